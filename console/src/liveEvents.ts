// The events received live in this browser session, shared by the shell (which subscribes once) and
// the events page (which shows them as they arrive).
export interface LiveEvent { id: string; type: string; sdkAppId?: number | null; data: string; occurredAt: string }

type Listener = (events: LiveEvent[]) => void;

class LiveEventStore {
  private events: LiveEvent[] = [];
  private listeners = new Set<Listener>();
  push(e: LiveEvent) {
    if (this.events.some((x) => x.id === e.id)) return;
    this.events = [e, ...this.events].slice(0, 500);
    this.listeners.forEach((l) => l(this.events));
  }
  all() { return this.events; }
  listen(l: Listener) { this.listeners.add(l); return () => { this.listeners.delete(l); }; }
}

export const liveEvents = new LiveEventStore();
