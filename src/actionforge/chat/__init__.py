"""Conversations: the tool loop (the ``chat`` layer, above ``models``, below ``web``).

`ChatService` sends a user's message and drives the turn in the background: the prompt (the GPT's
instructions, each action's description, its tools), the model's stream, each tool call through the
argument check, domain policy, sign-in, consent and the guarded call, and the results back to the
model. Turns, calls and events are rows (`store.tables_chat`), so a pause, a decision, a stop or a
crash is handled by whichever process gets there, exactly once.
"""

from actionforge.chat.events import EventLog, event_json
from actionforge.chat.service import ChatService, RegistryFor

__all__ = ["ChatService", "EventLog", "RegistryFor", "event_json"]
