// mfuser-edge live console: polls /api/* and draws the free space and the shift score. No dependencies.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get('token');
  const withToken = (url) => (token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url);
  const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits));
  const state = { info: null, drivable: null, stats: null, shift: null, console: null, fps: 5, view: 'overlay' };

  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-store', headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw Object.assign(new Error(body?.message ?? `${path}: HTTP ${response.status}`), { status: response.status });
    return body;
  }

  // Runs fn every period (a number, or a function giving one), never two at once; errors go to the footer.
  function every(period, fn) {
    const tick = async () => {
      try { await fn(); } catch (e) { if (e.status !== 503) $('status').textContent = e.message; }
      setTimeout(tick, typeof period === 'function' ? period() : period);
    };
    tick();
  }

  function setView(view) {
    state.view = view;
    for (const b of document.querySelectorAll('.toggle button')) b.setAttribute('aria-pressed', String(b.dataset.view === view));
    $('video').src = withToken(`stream/${view}`);
    try { localStorage.setItem('mfuser.view', view); } catch { /* private mode */ }
  }

  function classColor(id, alpha = 1) {
    const c = state.info?.classes?.find((k) => k.id === id)?.color;
    return c ? `rgba(${c[0]},${c[1]},${c[2]},${alpha})` : `rgba(248,81,73,${alpha})`;
  }

  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.round(canvas.clientWidth * ratio), h = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
    return { g, w: canvas.clientWidth, h: canvas.clientHeight };
  }

  // Bird's-eye view: a polar fan in metres when the payload has a calibrated scan, image rows otherwise.
  function drawFreeSpace() {
    const d = state.drivable;
    if (!d) return;
    const { g, w, h } = fitCanvas($('bev'));
    const scan = d.free_space?.scan;
    if (scan) drawScan(g, w, h, d, scan); else drawRows(g, w, h, d);
  }

  function drawScan(g, w, h, d, scan) {
    $('bev-mode').textContent = '(metres, calibrated)';
    const finite = scan.ranges.filter((r) => r !== null);
    const reach = Math.min(scan.range_max, Math.max(20, Math.ceil((Math.max(0, ...finite) * 1.15) / 10) * 10));
    const cx = w / 2, cy = h - 8, scale = (h - 20) / reach;
    g.strokeStyle = '#2a323d'; g.fillStyle = '#8b96a3'; g.font = '12px system-ui'; g.lineWidth = 1;
    const ring = reach > 40 ? 20 : 10;
    for (let r = ring; r <= reach; r += ring) {
      g.beginPath(); g.arc(cx, cy, r * scale, Math.PI, 2 * Math.PI); g.stroke(); g.fillText(`${r} m`, cx + 4, cy - r * scale + 12);
    }
    const n = scan.ranges.length;
    for (let k = 0; k < n; k++) {
      const bearing = scan.angle_min + k * scan.angle_increment, half = scan.angle_increment / 2;
      const range = scan.ranges[k] ?? reach, cls = d.free_space.classes[n - 1 - k];
      const a0 = -Math.PI / 2 - bearing - half, a1 = -Math.PI / 2 - bearing + half;
      g.beginPath(); g.moveTo(cx, cy); g.arc(cx, cy, Math.min(range, reach) * scale, a0, a1); g.closePath();
      g.fillStyle = scan.ranges[k] === null ? 'rgba(63,185,80,0.18)' : 'rgba(63,185,80,0.40)'; g.fill();
      if (scan.ranges[k] !== null) {
        g.beginPath(); g.arc(cx, cy, range * scale, a0, a1); g.strokeStyle = classColor(cls); g.lineWidth = 4; g.stroke();
      }
    }
    const corridor = d.ego_corridor, length = corridor?.range_m ?? reach;
    g.lineWidth = 2; g.strokeStyle = corridor?.row >= 0 ? '#d29922' : '#e6edf3'; g.setLineDash([6, 4]);
    g.strokeRect(cx - scale, cy - Math.min(length, reach) * scale, 2 * scale, Math.min(length, reach) * scale); g.setLineDash([]);
    $('bev-caption').textContent = `${n} bins · corridor ${corridor?.range_m != null ? fmt(corridor.range_m) + ' m' : 'clear'}` +
      ` · nearest ${finite.length ? fmt(Math.min(...finite)) + ' m' : '–'}`;
  }

  function drawRows(g, w, h, d) {
    $('bev-mode').textContent = '(image rows, no calibration)';
    const fs = d.free_space, edges = state.info?.free_space?.column_edges;
    const sx = w / d.width, sy = h / d.height;
    for (let i = 0; i < fs.bins; i++) {
      const x0 = (edges ? edges[i] : (i * d.width) / fs.bins) * sx, x1 = (edges ? edges[i + 1] : ((i + 1) * d.width) / fs.bins) * sx;
      const top = fs.rows[i] < 0 ? 0 : (fs.rows[i] + 1) * sy;
      g.fillStyle = 'rgba(63,185,80,0.40)'; g.fillRect(x0, top, x1 - x0, h - top);
      if (fs.rows[i] >= 0) { g.fillStyle = classColor(fs.classes[i]); g.fillRect(x0, top - 3, x1 - x0, 4); }
    }
    const corridor = d.ego_corridor, cw = 0.25 * w, clear = (corridor?.clear_rows ?? 0) * sy;
    g.lineWidth = 2; g.strokeStyle = corridor?.row >= 0 ? '#d29922' : '#e6edf3'; g.setLineDash([6, 4]);
    g.strokeRect((w - cw) / 2, h - clear, cw, clear); g.setLineDash([]);
    const blocked = corridor?.row >= 0 ? `${corridor.clear_rows} rows clear (${corridor.class_name})` : 'clear';
    $('bev-caption').textContent = `${fs.bins} bins · corridor ${blocked}`;
  }

  function drawShift() {
    const s = state.shift;
    if (!s) return;
    const { g, w, h } = fitCanvas($('shift'));
    const samples = s.samples, end = samples.length ? samples[samples.length - 1][0] : Date.now(), start = end - 60000;
    const scores = samples.map((p) => p[1]).filter((v) => v !== null);
    const top = Math.max((s.open_threshold ?? 1) * 1.5, ...scores.map((v) => v * 1.1), 1);
    const x = (t) => ((t - start) / 60000) * w, y = (v) => h - 4 - (v / top) * (h - 8);
    const line = (v, color) => {
      if (v === null) return;
      g.strokeStyle = color; g.setLineDash([6, 4]); g.lineWidth = 1.5;
      g.beginPath(); g.moveTo(0, y(v)); g.lineTo(w, y(v)); g.stroke(); g.setLineDash([]);
    };
    line(s.open_threshold, '#f85149'); line(s.close_threshold, '#d29922');
    g.strokeStyle = '#e6edf3'; g.lineWidth = 2; g.beginPath();
    let pen = false;
    for (const [t, v] of samples) {
      if (t < start || v === null) { pen = false; continue; }
      if (pen) g.lineTo(x(t), y(v)); else g.moveTo(x(t), y(v));
      pen = true;
    }
    g.stroke();
    const last = scores.length ? scores[scores.length - 1] : null;
    $('score').textContent = fmt(last, 2);
    $('score').classList.toggle('alert', last !== null && s.open_threshold !== null && last >= s.open_threshold);
  }

  function showEpisodes(events) {
    const episodes = new Map();
    for (const e of events) {
      const known = episodes.get(e.episode_id);
      episodes.set(e.episode_id, { ...e, first: known?.first ?? e.started_at });
    }
    const rows = [...episodes.values()].reverse().slice(0, 10).map((e) => {
      const open = e.event !== 'end', tr = document.createElement('tr');
      const cells = [new Date(e.first).toLocaleTimeString(), open ? 'open' : `ended (${e.end_reason ?? e.event})`,
        `${fmt(e.duration_s)} s`, fmt(e.peak_score, 2), e.dominant ?? '–'];
      for (const [i, text] of cells.entries()) {
        const td = document.createElement('td'); td.textContent = text; if (i === 1 && open) td.className = 'open'; tr.append(td);
      }
      return tr;
    });
    const body = $('episodes').tBodies[0];
    if (rows.length) body.replaceChildren(...rows);
  }

  function showStats() {
    const s = state.stats;
    if (!s) return;
    $('fps').textContent = fmt(s.fps);
    $('latency').textContent = fmt(s.latency_ms?.capture_to_publish?.p50);
    const mqtt = s.mqtt ?? {};
    $('broker').textContent = mqtt.connected ? `broker MQTT ${mqtt.protocol}` : 'broker offline';
    $('broker').className = `badge ${mqtt.connected ? 'ok' : 'bad'}`;
    const rows = Object.entries(s.latency_ms ?? {}).map(([stage, l]) => {
      const tr = document.createElement('tr');
      for (const text of [stage, fmt(l.p50, 2), fmt(l.p99, 2), fmt(l.max, 2)]) {
        const td = document.createElement('td'); td.textContent = text; tr.append(td);
      }
      return tr;
    });
    if (rows.length) $('stages').tBodies[0].replaceChildren(...rows);
    const c = state.console ?? {};
    const counters = [['frames captured', s.frames_captured], ['frames processed', s.frames_processed],
      ['frames dropped (latest wins)', s.frames_dropped, s.frames_dropped > 0], ['MQTT published', mqtt.published],
      ['MQTT dropped', mqtt.dropped, mqtt.dropped > 0], ['MQTT queue', mqtt.queue_depth],
      ['console viewers', c.viewers?.length], ['console frames sent', c.frames_sent],
      ['console frames dropped', c.frames_dropped, c.frames_dropped > 0], ['viewers dropped', c.viewers_dropped, c.viewers_dropped > 0]];
    $('counters').replaceChildren(...counters.flatMap(([name, value, bad]) => {
      const dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = name; dd.textContent = value ?? '–'; if (bad) dd.className = 'bad';
      return [dt, dd];
    }));
  }

  function showDrivable() {
    const d = state.drivable;
    $('drivable').textContent = fmt(d.drivable_fraction * 100, 0);
    const c = d.ego_corridor;
    $('corridor').textContent = c?.range_m != null ? `${fmt(c.range_m)} m` : c?.row >= 0 ? `${c.clear_rows} rows` : 'clear';
    $('video-caption').textContent = `${state.view} · frame ${d.frame} · ${d.captured_at}`;
    drawFreeSpace();
  }

  for (const b of document.querySelectorAll('.toggle button')) b.addEventListener('click', () => setView(b.dataset.view));
  $('video').addEventListener('error', () => setTimeout(() => setView(state.view), 2000));
  let saved = null;
  try { saved = localStorage.getItem('mfuser.view'); } catch { /* private mode */ }
  setView(['overlay', 'labels', 'camera'].includes(saved) ? saved : 'overlay');

  every(10000, async () => {
    const info = await getJson('api/info');
    state.info = info;
    $('device').textContent = `${info.device} · ${info.model?.name ?? ''} ${info.model?.version ?? ''}`;
    $('provider').textContent = `provider ${info.execution?.provider ?? '?'}`;
    $('provider').className = 'badge ok';
  });
  every(() => 1000 / state.fps, async () => { state.drivable = await getJson('api/drivable'); showDrivable(); });
  every(2000, async () => { state.stats = await getJson('api/stats'); showStats(); });
  every(1000, async () => { state.shift = await getJson('api/shift'); drawShift(); });
  every(2000, async () => showEpisodes(await getJson('api/episodes')));
  every(2000, async () => {
    state.console = await getJson('api/console');
    state.fps = state.console.fps;
    $('status').textContent = '';
    showStats();
  });
  every(2000, async () => {
    const response = await fetch('readyz', { cache: 'no-store', headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const body = await response.json();
    $('ready').textContent = body.ready ? 'ready' : `not ready: ${body.reason}`;
    $('ready').className = `badge ${body.ready ? 'ok' : 'bad'}`;
  });
  window.addEventListener('resize', () => { drawFreeSpace(); drawShift(); });
})();
