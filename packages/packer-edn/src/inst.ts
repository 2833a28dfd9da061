// `#inst` as Clojure reads and prints it (clojure.instant): RFC 3339 with
// every part after the year optional, printed as
// `yyyy-MM-ddTHH:mm:ss.SSS-00:00`.

const RFC3339 =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?)?(?:Z|([-+])(\d{2}):(\d{2}))?$/;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const num = (s: string | undefined, dflt: number): number => (s === undefined ? dflt : Number(s));

/** The `Date` of an `#inst` string, or `undefined` when it is not a valid timestamp. */
export function parseInst(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = num(m[2], 1);
  const day = num(m[3], 1);
  const hour = num(m[4], 0);
  const minute = num(m[5], 0);
  const second = num(m[6], 0);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offsetHours = num(m[9], 0);
  const offsetMinutes = num(m[10], 0);
  const maxDay = month === 2 && isLeap(year) ? 29 : DAYS[month - 1];
  if (
    month < 1 || month > 12 || maxDay === undefined || day < 1 || day > maxDay ||
    hour > 23 || minute > 59 || second > (minute === 59 ? 60 : 59) || offsetHours > 23 || offsetMinutes > 59
  ) {
    return undefined;
  }
  // Date.UTC maps years 0–99 to 1900–1999: set the fields one by one instead.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  const sign = m[8] === '-' ? -1 : 1;
  return new Date(d.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The `#inst` string Clojure prints for `d`, or `undefined` outside years 0000–9999 or for an invalid date. */
export function formatInst(d: Date): string | undefined {
  const t = d.getTime();
  if (Number.isNaN(t)) return undefined;
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  return (
    `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}-00:00`
  );
}
