"""Who is asking: an API key in `X-API-Key`, or `Authorization: Bearer <JWT>` (HS256, `sub` =
account, `exp` required). Any failure is a 401, decided before any other check."""

from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from serving.database import RequestConnection, request_connection
from serving.keys import account_for_key

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
bearer = HTTPBearer(auto_error=False, description="A JWT (HS256) whose `sub` is the account.")
MAX_ACCOUNT_CHARS = 512  # as an account_id of a chatbots record (warehouse/validation.py)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def authenticate(
    request: Request,
    warehouse: Annotated[RequestConnection, Depends(request_connection)],
    api_key: Annotated[str | None, Depends(api_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The account the request acts for."""
    if api_key:
        account = await account_for_key(await warehouse.get(), api_key)
        if account is None:
            raise _unauthorized("invalid or revoked API key")
        return account
    if credentials is not None:
        return _account_from_jwt(credentials.credentials, request.app.state.settings.jwt_secret)
    raise _unauthorized("missing credentials: send X-API-Key or Authorization: Bearer <JWT>")


def _account_from_jwt(token: str, secret: str | None) -> str:
    if not secret:
        raise _unauthorized("bearer tokens are not accepted by this server")
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as error:
        raise _unauthorized(f"invalid bearer token: {error}") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise _unauthorized("invalid bearer token: no account in sub")
    # No account id holds NUL (PostgreSQL text cannot) or is longer than any stored one.
    if "\x00" in subject or len(subject) > MAX_ACCOUNT_CHARS:
        raise _unauthorized("invalid bearer token: sub is no account id")
    return subject


CurrentAccount = Annotated[str, Depends(authenticate)]
