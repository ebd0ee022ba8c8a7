/**
 * In-memory storage for oidc-provider (sessions, grants, codes, tokens), one per server.
 *
 * oidc-provider's bundled memory adapter shares one process-wide LRU of 1,000 entries and forgets a
 * token the moment it expires or is destroyed. GitLab's API tells expired and revoked OAuth tokens
 * apart from unknown ones, so this store keeps destroyed entries as tombstones and expired ones for a
 * while, and each server gets its own.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";

/** How long an expired or destroyed entry is remembered, so the API can still say why it fails. */
const retentionMs = 24 * 60 * 60 * 1000;
const sweepEveryMs = 60 * 1000;

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms; null for entries without a lifetime. */
  expiresAt: number | null;
  destroyed: boolean;
}

export class OAuthStore {
  readonly #models = new Map<string, Map<string, Entry>>();
  readonly #now: () => number;
  #lastSweep: number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#lastSweep = now();
  }

  /** The adapter factory oidc-provider's `adapter` option takes. */
  readonly adapter = (model: string): Adapter => {
    const entries = this.#entries(model);
    const live = (id: string) => {
      const entry = entries.get(id);
      return entry && !entry.destroyed ? entry : undefined;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        entries.set(id, {
          payload,
          expiresAt: expiresIn ? this.#now() + expiresIn * 1000 : null,
          destroyed: false,
        });
        this.#sweep();
      },
      find: async (id) => live(id)?.payload,
      findByUid: async (uid) => [...entries.values()].find((e) => !e.destroyed && e.payload.uid === uid)?.payload,
      findByUserCode: async (userCode) =>
        [...entries.values()].find((e) => !e.destroyed && e.payload.userCode === userCode)?.payload,
      consume: async (id) => {
        const entry = live(id);
        if (entry) entry.payload.consumed = Math.floor(this.#now() / 1000);
      },
      destroy: async (id) => {
        const entry = entries.get(id);
        if (entry) entry.destroyed = true;
      },
      revokeByGrantId: async (grantId) => {
        for (const entry of entries.values()) if (entry.payload.grantId === grantId) entry.destroyed = true;
      },
    };
  };

  /** Whether an entry existed and was destroyed (revoked) rather than never issued. */
  wasDestroyed(model: string, id: string): boolean {
    return this.#entries(model).get(id)?.destroyed === true;
  }

  /** Destroys every live entry of a grant except one: what a refresh does to the chain's older access tokens. */
  destroyGrantEntries(model: string, grantId: string, keepId: string): void {
    for (const [id, entry] of this.#entries(model)) {
      if (id !== keepId && entry.payload.grantId === grantId) entry.destroyed = true;
    }
  }

  #entries(model: string): Map<string, Entry> {
    let entries = this.#models.get(model);
    if (!entries) {
      entries = new Map();
      this.#models.set(model, entries);
    }
    return entries;
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < sweepEveryMs) return;
    this.#lastSweep = now;
    for (const entries of this.#models.values()) {
      for (const [id, entry] of entries) {
        if (entry.expiresAt !== null && entry.expiresAt + retentionMs < now) entries.delete(id);
      }
    }
  }
}
