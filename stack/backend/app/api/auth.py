"""Sign-up, sign-in, sign-out and who am I, under /api/v1/auth (API.md, "Identity and access")."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .. import auth, passwords
from ..settings import get_settings
from .deps import SET_COOKIE, CurrentUser, json_error

router = APIRouter(prefix="/auth", tags=["auth"])

WRONG = "wrong username or password"


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=passwords.USERNAME_MIN, max_length=passwords.USERNAME_MAX,
                                   pattern=passwords.USERNAME_RE.pattern,
                                   description="3-32 characters: a-z 0-9 _ . - (lower-case; first a letter or digit)")]
    password: Annotated[str, Field(min_length=passwords.PASSWORD_MIN, max_length=passwords.PASSWORD_MAX,
                                   description="10-128 characters")]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class Me(BaseModel):
    username: str


def signup_open() -> None:
    """Checked before the body is read: a closed sign-up says so whatever was sent."""
    if not get_settings().signup_open:
        raise HTTPException(403, "sign-up is closed")


def _signed_in(status: int, username: str, token: str) -> JSONResponse:
    response = JSONResponse({"username": username}, status_code=status, headers={"Cache-Control": "no-store"})
    response.headers.append("set-cookie", auth.session_cookie(token))
    return response


@router.post(
    "/signup", status_code=201, response_model=Me, dependencies=[Depends(signup_open)],
    summary="Create an account and sign in",
    responses={
        201: {"description": "Created and signed in", "headers": SET_COOKIE},
        403: json_error("Sign-up is closed (SIGNUP_OPEN=false), or a cross-origin request"),
        409: json_error("The username is taken"),
    },
)
async def signup(body: SignUp) -> JSONResponse:
    token = await auth.sign_up(body.username, body.password)
    return _signed_in(201, body.username, token)


@router.post(
    "/signin", response_model=Me, summary="Sign in: a new session cookie",
    responses={
        200: {"description": "Signed in: a new session, whatever cookie was sent", "headers": SET_COOKIE},
        401: json_error("Unknown username, wrong password or disabled account (one answer for all three)"),
        429: json_error("Too many failed sign-ins for this name: wait Retry-After seconds", retry_after=True),
    },
)
async def signin(body: SignIn, request: Request) -> JSONResponse:
    replaced = auth.cookie_token(request.headers.get("cookie"))
    result = await auth.sign_in(body.username, body.password, replaced)
    if result.outcome == "throttled":
        return JSONResponse(
            {"detail": f"too many failed sign-ins; retry in {result.retry_after} s"}, status_code=429,
            headers={"Retry-After": str(result.retry_after), "Cache-Control": "no-store"})
    if result.outcome != "ok":
        return JSONResponse({"detail": WRONG}, status_code=401, headers={"Cache-Control": "no-store"})
    return _signed_in(200, result.username, result.token)


@router.post(
    "/signout", status_code=204, summary="Sign out: the session ends now",
    responses={204: {"description": "Signed out; the cookie is cleared", "headers": SET_COOKIE}},
)
async def signout(user: CurrentUser) -> Response:
    await auth.revoke(user.token_hash)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.headers.append("set-cookie", auth.clearing_cookie())
    return response


@router.get("/me", response_model=Me, summary="The signed-in user")
async def me(user: CurrentUser) -> JSONResponse:
    return JSONResponse({"username": user.username}, headers={"Cache-Control": "no-store"})

