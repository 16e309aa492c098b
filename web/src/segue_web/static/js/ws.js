// The one WebSocket (/api/v1/ws): registers this browser as a device,
// heartbeats, and hands server messages to listeners by type. It reconnects
// with exponential backoff (and jitter) when the connection drops.

import { session } from './api.js';

const DEVICE_KEY = 'segue.device';
const TAG_KEY = 'segue.device-tag';
const HEARTBEAT_MS = 25_000;
const MAX_BACKOFF_MS = 30_000;

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge'
    : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const small = window.matchMedia('(max-width: 700px)').matches;
  // A short per-tab tag tells two tabs of one browser apart in the device picker.
  let tag = sessionStorage.getItem(TAG_KEY);
  if (!tag) {
    tag = Math.random().toString(36).slice(2, 6);
    sessionStorage.setItem(TAG_KEY, tag);
  }
  return `Web player (${browser}${small ? ', phone' : ''}, ${tag})`;
}

export class LiveSocket extends EventTarget {
  constructor() {
    super();
    this.socket = null;
    this.attempt = 0;
    this.timer = 0;
    this.heartbeat = 0;
    this.closed = true;
    // Per tab (sessionStorage): two tabs are two players, a reload stays the same one.
    this.deviceId = sessionStorage.getItem(DEVICE_KEY);
    this.device = null;
  }

  start() {
    this.closed = false;
    this.connect();
  }

  stop() {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    if (this.socket) this.socket.close(1000, 'logged out');
    this.socket = null;
  }

  get connected() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  connect() {
    if (this.closed || !session.token) return;
    if (!navigator.onLine) {
      // A socket opened offline fails loudly; wait for the network instead.
      window.addEventListener('online', () => this.connect(), { once: true });
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/v1/ws?token=${encodeURIComponent(session.token)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      this.send({ type: 'device.register', name: deviceName(), device_type: 'web', device_id: this.deviceId || undefined });
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({ type: 'device.heartbeat' }), HEARTBEAT_MS);
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      clearInterval(this.heartbeat);
      if (this.socket === socket) this.socket = null;
      this.dispatchEvent(new CustomEvent('status', { detail: { connected: false } }));
      this.retry();
    });
    // An error is always followed by close, which retries; nothing to log.
    socket.addEventListener('error', () => {});
  }

  retry() {
    if (this.closed) return;
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (message.type === 'device.registered') {
      this.device = message.device;
      this.deviceId = message.device.id;
      sessionStorage.setItem(DEVICE_KEY, this.deviceId);
      this.dispatchEvent(new CustomEvent('status', { detail: { connected: true } }));
    }
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
  }

  /** Send a message if connected; live data is best effort (HTTP is the fallback). */
  send(message) {
    if (!this.connected) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Listen to one message type; answers a function that removes the listener. */
  on(type, fn) {
    const listener = (event) => fn(event.detail);
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }
}

export const live = new LiveSocket();
