// A conversation's events over SSE. EventSource reconnects by itself and sends Last-Event-ID, so
// the server resumes after the last event seen; ids already seen are dropped, so a reconnect (or a
// log read before the stream opened) never shows an event twice.

export const EVENT_TYPES = [
  "user_message", "assistant_text", "assistant_done", "status", "confirm", "confirm_resolved",
  "sign_in", "sent_info", "debug", "notice", "error", "turn_done",
];

/** Follow the events after `after`; `onEvent(event)` gets each new one, in order. */
export function follow(conversationId, after, onEvent) {
  let last = after;
  const url = `/api/conversations/${encodeURIComponent(conversationId)}/events?after=${after}`;
  const source = new EventSource(url, { withCredentials: true });
  const handle = (message) => {
    const event = JSON.parse(message.data);
    if (event.id <= last) return;
    last = event.id;
    onEvent(event);
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, handle);
  source.addEventListener("message", handle);
  return {
    close: () => source.close(),
    get last() { return last; },
  };
}
