// Fan-out across processes: an adapter carries what one server process publishes to the others, which
// deliver it to their own subscribers. Without an adapter (the default), topics live in one process.

export interface PublishOptions {
  binary?: boolean;
  compress?: boolean;
}

/** A message another process published. */
export interface RemoteMessage {
  topic: string;
  data: Uint8Array;
  binary: boolean;
  compress: boolean;
}

export interface PubSubAdapter {
  /** The server hands over its local delivery; the adapter calls it for every message from elsewhere. */
  attach(deliver: (message: RemoteMessage) => void): void;
  /** A local publish, to forward to the other processes (this process has delivered it already). */
  publish(topic: string, data: Uint8Array, options: Required<PublishOptions>): void;
  /** This process has its first subscriber of `topic`: start receiving it. */
  subscribe(topic: string): void;
  /** This process has no subscriber of `topic` left: stop receiving it. */
  unsubscribe(topic: string): void;
  /** Stops forwarding and receiving; called by wss.close(). */
  close(): Promise<void>;
}
