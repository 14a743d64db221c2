"""The assistant before any engine is plugged in: it says what it can do."""

from app.assistant.base import AssistantReply, AssistantRequest
from app.models import ChatType

_SOLO_HELP = (
    'I can help with three things: which card to pay with ("Which card for $85 at Whole Foods?"), '
    "splitting a bill in a group chat, and your spending from linked accounts "
    '("How much did I spend on food this month?").'
)
_GROUP_HELP = (
    'Mention @ai to ask me something. I can split a bill ("@ai split $120 dinner with Bob, I paid"), '
    "keep the group's balances and say who owes whom, and pick the best card for a purchase "
    '("@ai which card for $40 of gas?").'
)


class BasicAssistant:
    async def reply(self, request: AssistantRequest) -> AssistantReply:
        return AssistantReply(content=_GROUP_HELP if request.chat_type is ChatType.GROUP else _SOLO_HELP)
