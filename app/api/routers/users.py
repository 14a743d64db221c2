from fastapi import APIRouter, status

from app.api.deps import ClientAddress, CurrentPrincipal, CurrentUser, Hasher, Throttle
from app.assistant.cards import CATALOG, Card
from app.db import DbSession
from app.schemas.common import problem_responses
from app.schemas.user import PasswordChange, UserRead, UserUpdate
from app.services import auth as auth_service
from app.services import users as users_service

router = APIRouter(tags=["users"])


@router.get("/users/me", summary="The signed-in user", responses=problem_responses(401))
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch(
    "/users/me",
    summary="Update name, onboarding status or preferences (omitted fields stay as they are)",
    responses=problem_responses(401, 422),
)
async def update_me(body: UserUpdate, user: CurrentUser, db: DbSession) -> UserRead:
    return UserRead.model_validate(await users_service.update_profile(db, user, body))


@router.post(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change password; every other session is signed out",
    responses=problem_responses(401, 422, 429),
)
async def change_password(
    body: PasswordChange,
    client: ClientAddress,
    principal: CurrentPrincipal,
    db: DbSession,
    hasher: Hasher,
    throttle: Throttle,
) -> None:
    await auth_service.change_password(
        db,
        hasher,
        throttle,
        principal.user,
        principal.session.id,
        current_password=body.current_password,
        new_password=body.new_password,
        client=client,
    )


@router.get("/cards", summary="The credit-card catalog the assistant knows", responses=problem_responses(401))
async def list_cards(_: CurrentUser) -> list[Card]:
    return list(CATALOG)
