/** Counts of answers, by what was tried: one row of a report table per input class. */
export interface ClassRow {
  cases: number;
  /** Answers seen (`close 1007`, `400`, `open`, …) and how often. */
  answers: Record<string, number>;
  /** `onError` codes the server reported while the class ran. */
  errors: Record<string, number>;
  /** Sub-classes tried and how often. */
  kinds: Record<string, number>;
  /** Wall time spent on the class, summed over servers. */
  ms: number;
}

export function bump(m: Record<string, number>, k: string, n = 1): void {
  m[k] = (m[k] ?? 0) + n;
}

/** Rows by class name, in the order classes were first seen. */
export class Tally {
  readonly rows = new Map<string, ClassRow>();

  row(cls: string): ClassRow {
    let r = this.rows.get(cls);
    if (r === undefined) {
      r = { cases: 0, answers: {}, errors: {}, kinds: {}, ms: 0 };
      this.rows.set(cls, r);
    }
    return r;
  }

  add(cls: string, kind: string, answer: string): void {
    const r = this.row(cls);
    r.cases++;
    bump(r.kinds, kind);
    bump(r.answers, answer);
  }

  addErrors(cls: string, errors: Record<string, number>): void {
    const r = this.row(cls);
    for (const [k, n] of Object.entries(errors)) if (n > 0) bump(r.errors, k, n);
  }

  total(): number {
    let n = 0;
    for (const r of this.rows.values()) n += r.cases;
    return n;
  }

  toJSON(): Record<string, ClassRow> {
    return Object.fromEntries(this.rows);
  }
}

/**
 * Something the run saw that must not happen (a hang, a crash, a leak, a
 * push to the wrong user…), named `<class>/<kind>@<adapter>` so that a known
 * defect can be held out of the CI assertions by its name.
 */
export interface Finding {
  readonly id: string;
  readonly what: string;
  /** Servers (adapter/packer) it was seen on. */
  readonly servers: string[];
  count: number;
  /** How to see it again. */
  readonly reproduce: string;
}

/** Findings by id. */
export class Findings {
  readonly byId = new Map<string, Finding>();

  add(id: string, what: string, server: string, reproduce: string): void {
    const f = this.byId.get(id);
    if (f === undefined) this.byId.set(id, { id, what, servers: [server], count: 1, reproduce });
    else {
      f.count++;
      if (!f.servers.includes(server)) f.servers.push(server);
    }
  }

  list(): Finding[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** The `onError` counts added between two snapshots. */
export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) if (n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
  return out;
}
