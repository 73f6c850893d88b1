// Where the van is, as the gateway sees it (the retained vim/state/visit a maintenance
// tablet hears) and as the world is (the GNSS simulator's truth), and the driver's one
// decision the day needs: the van does not drive off while a citizen's card payment is
// still being settled. The compressed day runs GNSS time ~8-25x faster than the wall
// clock, so a gateway restart of a few seconds would otherwise be minutes of driving.
import { sleep } from './actors.js';
import type { DayRig } from './rig.js';
import type { Tablet } from './tablet.js';

interface VisitStateMsg {
  current: { visitId: string; stopId: string | null; name: string } | null;
  gnss: 'fix' | 'no-fix';
  at: string;
}

export interface VanAtStop {
  visitId: string;
  stopId: string;
  name: string;
}

export class Van {
  constructor(
    private readonly rig: DayRig,
    /** A tablet subscribed to vim/state/#. */
    private readonly monitor: Tablet,
  ) {}

  /** The gateway's view of the visit, or null before the first state message. */
  gatewayView(): VisitStateMsg | null {
    const text = this.monitor.latest.get('vim/state/visit');
    return text ? (JSON.parse(text) as VisitStateMsg) : null;
  }

  /** The planned visit in progress if the van is standing at that very stop now. */
  atPlannedStop(): VanAtStop | null {
    const cur = this.gatewayView()?.current;
    const stop = this.rig.sims.gnss.truth().stop;
    if (!cur || cur.stopId === null || stop === null || !stop.startsWith(cur.name)) return null;
    return { visitId: cur.visitId, stopId: cur.stopId, name: cur.name };
  }

  /**
   * Waits (on observed state) until the van stands at a planned stop whose visit the gateway
   * has detected, then holds it there; null if that did not happen within `ms`.
   */
  async holdAtPlannedStop(ms: number): Promise<VanAtStop | null> {
    const end = Date.now() + ms;
    for (;;) {
      const at = this.atPlannedStop();
      if (at) {
        this.rig.sims.gnss.hold();
        return at;
      }
      if (Date.now() > end) return null;
      await sleep(100);
    }
  }

  /**
   * Waits until a gateway state published at or after `sinceWallMs` (a restart) shows a
   * current fix with `visitId` still in progress: the restarted gateway saw the van at the stop.
   */
  async gatewaySeesVisit(visitId: string, sinceWallMs: number, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.gatewayView();
      if (s && Date.parse(s.at) >= sinceWallMs && s.gnss === 'fix' && s.current?.visitId === visitId) return true;
      if (Date.now() > end) return false;
      await sleep(100);
    }
  }

  release(): void {
    this.rig.sims.gnss.release();
  }
}
