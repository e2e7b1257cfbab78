/**
 * The demo's clock: simulated while `rollcall demo` replays months of history (the core, the SCIM
 * listener, the directory syncs and the fake IdPs all read it, so every event carries the time it
 * "happened"), then the system clock for the live part. It only ever moves forward, so the event
 * log stays in time order.
 */
export class DemoClock {
  private simulated: number | null;

  constructor(start: number) {
    this.simulated = start;
  }

  /** The current time (bound: pass it around as a function). */
  readonly now = (): Date => new Date(this.ms());

  ms(): number {
    return this.simulated ?? Date.now();
  }

  get live(): boolean {
    return this.simulated === null;
  }

  /** Moves the simulated time forward to `t` (never backwards; never past the real time). */
  set(t: number): void {
    if (this.simulated === null) throw new Error('the demo clock is already live');
    if (t < this.simulated) throw new Error(`the demo clock cannot go back (${new Date(t).toISOString()})`);
    this.simulated = Math.min(t, Date.now());
  }

  /** From now on: the system clock. */
  goLive(): void {
    this.simulated = null;
  }
}
