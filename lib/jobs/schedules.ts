// Keel's schedules: a recurring job is enqueued once per slot across every worker.
//
// Every worker ticks; each tick computes the current slot (epoch-aligned multiples of the
// interval) and, when the schedule's last slot (JobSchedule) is older, sends the slot's job
// with an id derived from (schedule, slot). Two workers sending the same slot's job collide on
// pg-boss's primary key and the second send is dropped, so a slot gets one job even when
// both ticks pass the check at once; the JobSchedule row then stops later ticks from sending
// at all (which also covers the time after pg-boss archived the slot's job). A worker that
// dies between the send and the row update leaves nothing to repair: the next tick re-sends
// the same id (dropped) and advances the row.
import { createHash } from "node:crypto";

/** Start of the slot that `now` falls into, for an interval of `everySeconds`. */
export function slotStart(now: Date, everySeconds: number): Date {
  const size = everySeconds * 1_000;
  return new Date(Math.floor(now.getTime() / size) * size);
}

/** The job id of a schedule's slot: the same on every worker, different for every slot. */
export function slotJobId(schedule: string, slot: Date): string {
  const hex = createHash("sha256").update(`keel-schedule\0${schedule}\0${slot.toISOString()}`).digest("hex");
  // Shaped as a UUID (version nibble 8: "custom", RFC 9562) so pg-boss's uuid column takes it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** How often a worker checks a schedule: a quarter of its interval, between 250 ms and 15 s. */
export function tickMs(everySeconds: number): number {
  return Math.min(15_000, Math.max(250, Math.floor((everySeconds * 1_000) / 4)));
}
