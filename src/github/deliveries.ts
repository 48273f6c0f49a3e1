/**
 * The webhook deliveries (`X-GitHub-Delivery` ids) this process has handled, so that a
 * redelivered webhook is not handled twice. Bounded: the oldest ids are forgotten first. It
 * lives in memory, so several instances behind a load balancer would each need to see the
 * same set: they would have to share it (Redis, a table) instead.
 */
export class Deliveries {
  readonly #seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** Records the delivery; false when it was already recorded. */
  claim(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > this.capacity) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return true;
  }

  /** Forgets a delivery whose handling failed, so that GitHub's redelivery is handled. */
  release(id: string): void {
    this.#seen.delete(id);
  }
}
