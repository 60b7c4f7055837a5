// The playground's WebSocket: authenticates with the admin token as the first message (browsers
// cannot set headers on a WebSocket), then routes replies to the chat that asked by id.
import { session } from './api.js';

export class PlaygroundSocket {
  constructor({ onStatus }) {
    this.onStatus = onStatus;
    this.handlers = new Map();
    this.ready = null;
    this.ws = null;
    this.closed = false;
  }

  connect() {
    if (this.ready) return this.ready;
    this.ready = new Promise((resolve, reject) => {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${location.host}/ws/chat`);
      this.ws = ws;
      this.onStatus('connecting');
      ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token: session.token })));
      ws.addEventListener('message', (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type === 'ready') { this.onStatus('ready'); resolve(); return; }
        if (message.type === 'error' && message.id === undefined) {
          reject(new Error(message.error && message.error.message ? message.error.message : 'The playground refused the connection.'));
          return;
        }
        const handler = this.handlers.get(message.id);
        if (handler) handler(message);
      });
      ws.addEventListener('close', () => {
        this.onStatus('closed');
        this.ready = null;
        for (const handler of this.handlers.values()) handler({ type: 'error', error: { message: 'The connection to the hub was lost.' } });
        this.handlers.clear();
        reject(new Error('Could not connect to the playground.'));
      });
    });
    return this.ready;
  }

  async chat(request, onMessage) {
    await this.connect();
    this.handlers.set(request.id, (message) => {
      if (message.type === 'done' || message.type === 'error') this.handlers.delete(request.id);
      onMessage(message);
    });
    this.ws.send(JSON.stringify({ type: 'chat', ...request }));
  }

  cancel(id) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'cancel', id }));
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close(1000, 'page left');
  }
}
