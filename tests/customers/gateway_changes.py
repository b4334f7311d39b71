"""Changes made straight on the emulator, behind the portal's back, as an operator would."""


def users_call(emulator, method, email, *extra):
    answer = emulator.admin(method, [("ostor-users", None), ("emailAddress", email), *extra])
    assert answer.status in (200, 204), answer.body
    return answer


def disable_user(emulator, email):
    users_call(emulator, "POST", email, ("disable", None))


def enable_user(emulator, email):
    users_call(emulator, "POST", email, ("enable", None))


def delete_user(emulator, email):
    users_call(emulator, "DELETE", email)


def generate_key(emulator, email) -> str:
    answer = users_call(emulator, "POST", email, ("genKey", None))
    return answer.json()["AWSAccessKeys"][-1]["AWSAccessKeyId"]


def revoke_key(emulator, email, access_key_id):
    users_call(emulator, "POST", email, ("revokeKey", access_key_id))


def gateway_user(emulator, email) -> dict | None:
    answer = emulator.admin("GET", [("ostor-users", None), ("emailAddress", email)])
    return answer.json() if answer.status == 200 else None


def gateway_key_ids(emulator, email) -> set[str]:
    user = gateway_user(emulator, email)
    return {pair["AWSAccessKeyId"] for pair in user["AWSAccessKeys"]}
