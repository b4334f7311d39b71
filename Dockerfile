# The portal's image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY pyproject.toml constraints.txt README.md manage.py ./
COPY staas_portal ./staas_portal
RUN pip install --no-cache-dir -c constraints.txt -e .

COPY templates ./templates
COPY static ./static
# Static files are collected into the image with throwaway keys: nothing secret is used.
RUN SECRET_KEY=collectstatic-only \
    STAAS_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --home-dir /app portal && mkdir -p /app/var && chown portal /app/var
USER portal

ENV STATIC_ROOT=/app/staticfiles
EXPOSE 8000
CMD ["gunicorn", "staas_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
