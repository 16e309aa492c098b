// Measured bandwidth for the `auto` quality: a timed ranged read of an
// original file, smoothed over probes, with the browser's own estimate
// (Network Information API) as a fallback before the first probe.

import { withToken } from './api.js';

const PROBE_BYTES = 256 * 1024;
const PROBE_EVERY_MS = 120_000;
const PROBE_MAX_MS = 2_000;
// The tiers of the server's `auto` rule (docs/transcoding.md), in kbit/s.
const TIERS = [[500, 'very_high'], [200, 'high'], [100, 'normal']];

/** The tier the server picks for `kbps` (null: no estimate, the server uses `normal`). */
export function tierFor(kbps) {
  if (!kbps) return 'normal';
  for (const [above, tier] of TIERS) if (kbps > above) return tier;
  return 'low';
}

class BandwidthMeter {
  constructor() {
    this.kbps = null;
    this.lastProbe = 0;
  }

  /** The estimate in kbit/s, or null. */
  get estimate() {
    if (this.kbps) return Math.round(this.kbps);
    const downlink = navigator.connection?.downlink;
    return downlink ? Math.round(downlink * 1000) : null;
  }

  /** Time a ranged read of `track`'s original file, at most every two minutes. */
  async probe(track, force = false) {
    if (!track || !navigator.onLine || (!force && Date.now() - this.lastProbe < PROBE_EVERY_MS)) return this.estimate;
    this.lastProbe = Date.now();
    const controller = new AbortController();
    try {
      const started = performance.now();
      const response = await fetch(withToken(track.stream_url), {
        headers: { Range: `bytes=0-${PROBE_BYTES - 1}` },
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!response.ok || !response.body) return this.estimate;
      // Read until PROBE_BYTES or PROBE_MAX_MS, so a slow link is measured quickly too.
      const reader = response.body.getReader();
      const firstByte = performance.now();
      let bytes = 0;
      while (bytes < PROBE_BYTES && performance.now() - firstByte < PROBE_MAX_MS) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
      }
      controller.abort();
      const seconds = Math.max((performance.now() - started) / 1000, 0.001);
      // Tiny reads mostly measure latency; only trust reads of a useful size.
      if (bytes >= 16 * 1024) {
        const kbps = (bytes * 8) / 1000 / seconds;
        // Drops count at once (better a lower tier than stalls); rises are smoothed.
        this.kbps = !this.kbps || kbps < this.kbps ? kbps : this.kbps * 0.5 + kbps * 0.5;
      }
    } catch {
      // Offline, refused or aborted: keep the previous estimate.
    }
    return this.estimate;
  }
}

export const bandwidth = new BandwidthMeter();
