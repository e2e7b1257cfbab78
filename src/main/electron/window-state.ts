/**
 * Remembering the window's size and position. Pure logic (no `electron` import), unit-tested:
 * where to reopen given the saved bounds and today's displays, and a debounced saver so a drag
 * does not write the settings on every pixel.
 */
import type { WindowBounds } from '../../shared/contract';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface InitialWindowState {
  /** Position is left out (so the OS centres the window) when the saved one is unusable. */
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
}

/** How much of the title bar area must be on a display for a saved position to be reused. */
const MIN_VISIBLE = 64;

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Reuses the saved bounds when enough of the window's top edge lies on one of the displays' work
 * areas (a display unplugged since must not leave the window off-screen), shrunk to fit that
 * display. Otherwise the default size, centred.
 */
export function initialWindowState(
  saved: WindowBounds | null,
  workAreas: readonly Rect[],
  fallback: { width: number; height: number },
): InitialWindowState {
  if (saved) {
    const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: Math.min(saved.height, 40) };
    const display = workAreas.find((area) => {
      const o = overlap(titleBar, area);
      return o.width >= Math.min(MIN_VISIBLE, saved.width) && o.height > 0;
    });
    if (display) {
      return {
        x: saved.x,
        y: saved.y,
        width: Math.min(saved.width, display.width),
        height: Math.min(saved.height, display.height),
        maximized: saved.maximized,
      };
    }
  }
  return { width: fallback.width, height: fallback.height, maximized: saved?.maximized ?? false };
}

export interface BoundsSaverOptions {
  save(bounds: WindowBounds): void;
  delayMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** Saves the latest bounds `delayMs` after the last change, and at once on flush (window closing). */
export class BoundsSaver {
  private latest: WindowBounds | null = null;
  private timer: unknown = null;
  private lastSaved = '';

  constructor(private readonly options: BoundsSaverOptions) {}

  changed(bounds: WindowBounds): void {
    this.latest = bounds;
    this.cancel();
    const set = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.timer = set(() => this.flush(), this.options.delayMs ?? 500);
  }

  flush(): void {
    this.cancel();
    if (!this.latest) return;
    const key = JSON.stringify(this.latest);
    if (key === this.lastSaved) return;
    this.lastSaved = key;
    this.options.save(this.latest);
  }

  private cancel(): void {
    if (this.timer !== null) (this.options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.timer);
    this.timer = null;
  }
}

/** The bounds to save: the normal (restored) bounds, so a maximised window reopens maximised over the right size. */
export function boundsToSave(normal: Rect, maximized: boolean): WindowBounds {
  return {
    x: Math.round(normal.x),
    y: Math.round(normal.y),
    width: Math.max(200, Math.round(normal.width)),
    height: Math.max(150, Math.round(normal.height)),
    maximized,
  };
}
