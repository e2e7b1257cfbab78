import { describe, expect, it } from 'vitest';
import { BoundsSaver, boundsToSave, initialWindowState } from '../../../src/main/electron/window-state';
import type { WindowBounds } from '../../../src/shared/contract';

const laptop = { x: 0, y: 0, width: 1440, height: 875 };
const monitorRight = { x: 1440, y: 0, width: 2560, height: 1415 };
const fallback = { width: 1280, height: 820 };

describe('window state', () => {
  it('opens at the default size, centred, the first time', () => {
    expect(initialWindowState(null, [laptop], fallback)).toEqual({ width: 1280, height: 820, maximized: false });
  });

  it('reopens where it was when that place is still on a display', () => {
    const saved: WindowBounds = { x: 1600, y: 100, width: 1800, height: 1000, maximized: true };
    expect(initialWindowState(saved, [laptop, monitorRight], fallback)).toEqual({
      x: 1600,
      y: 100,
      width: 1800,
      height: 1000,
      maximized: true,
    });
  });

  it('falls back to centred when the display it was on is gone, keeping "maximised"', () => {
    const saved: WindowBounds = { x: 1600, y: 100, width: 1800, height: 1000, maximized: true };
    expect(initialWindowState(saved, [laptop], fallback)).toEqual({ width: 1280, height: 820, maximized: true });
    // Title bar above the top of every display: unreachable, so not reused.
    expect(initialWindowState({ x: 100, y: -500, width: 800, height: 400, maximized: false }, [laptop], fallback)).not.toHaveProperty('x');
  });

  it('shrinks a window larger than its display', () => {
    const saved: WindowBounds = { x: 10, y: 10, width: 3000, height: 2000, maximized: false };
    expect(initialWindowState(saved, [laptop], fallback)).toEqual({ x: 10, y: 10, width: 1440, height: 875, maximized: false });
  });

  it('saves once after the last change, again only when something changed, and at once on flush', () => {
    const saved: WindowBounds[] = [];
    const timers: { fn: () => void; cleared: boolean }[] = [];
    const saver = new BoundsSaver({
      save: (b) => saved.push(b),
      setTimer: (fn) => {
        const t = { fn, cleared: false };
        timers.push(t);
        return t;
      },
      clearTimer: (t) => void ((t as { cleared: boolean }).cleared = true),
    });
    for (let x = 0; x < 50; x++) saver.changed(boundsToSave({ x, y: 0, width: 900, height: 600 }, false));
    expect(timers.filter((t) => !t.cleared)).toHaveLength(1);
    timers.find((t) => !t.cleared)!.fn();
    expect(saved).toEqual([{ x: 49, y: 0, width: 900, height: 600, maximized: false }]);
    saver.changed(boundsToSave({ x: 49, y: 0, width: 900, height: 600 }, false));
    saver.flush();
    expect(saved).toHaveLength(1);
    saver.changed(boundsToSave({ x: 49.4, y: 0, width: 100, height: 600 }, true));
    saver.flush();
    expect(saved[1]).toEqual({ x: 49, y: 0, width: 200, height: 600, maximized: true });
  });
});
