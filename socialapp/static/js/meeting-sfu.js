// Meetings through Janus's VideoRoom (SFU mode): a small client of Janus's WebSocket API, loaded before
// js/meeting.js only when the server configures Janus. It does what meeting.js needs and no more: one
// session, one publisher handle that sends this tab's audio and video (video in simulcast: a full layer and
// a quarter-size one), and one subscriber handle per other person, each with its own RTCPeerConnection, so
// that meeting.js treats a person's connection the same way in both modes.
//
// Janus's own janus.js (Debian's libjs-janus-gateway) covers every plugin, the other transports and old
// browsers in ~3,500 lines; the part of the protocol used here is a few requests, so this file speaks it
// directly and stays readable beside the mesh code.
//
// The app, not this file, decides who may be in the room: meeting.joined hands it the room, this tab's feed
// id, a Janus token that expires (renewed with each heartbeat, setToken) and a room token that opens this
// room alone. Who is who, names and camera state still come over the app's socket.
(() => {
  const PLUGIN = "janus.plugin.videoroom";
  const KEEPALIVE = 25000; // Janus drops a session unheard for session_timeout (60 s)
  // Simulcast layers, highest first as Janus expects the rids; Chrome sends only those that fit the camera.
  const ENCODINGS = [
    { rid: "h", active: true, maxBitrate: 900000 },
    { rid: "l", active: true, maxBitrate: 150000, scaleResolutionDownBy: 4 },
  ];

  function transaction() {
    return Math.random().toString(36).slice(2, 14);
  }

  class Session {
    constructor(url, token) {
      this.url = url;
      this.token = token;
      this.pending = new Map(); // transaction -> { resolve, reject }
      this.handles = new Map(); // handle id -> function(message) for events, trickles, hangups
      this.onclose = null;
    }

    open() {
      return new Promise((resolve, reject) => {
        this.socket = new WebSocket(this.url, "janus-protocol");
        this.socket.onerror = () => reject(new Error("The meeting's media server cannot be reached."));
        this.socket.onmessage = (event) => this.receive(JSON.parse(event.data));
        this.socket.onclose = () => {
          clearInterval(this.keepalive);
          for (const { reject: fail } of this.pending.values()) fail(new Error("closed"));
          this.pending.clear();
          this.onclose?.();
        };
        this.socket.onopen = async () => {
          try {
            this.id = (await this.send({ janus: "create" })).data.id;
            this.keepalive = setInterval(() => this.send({ janus: "keepalive" }).catch(() => {}), KEEPALIVE);
            resolve(this);
          } catch (error) {
            reject(error);
          }
        };
      });
    }

    // One request; resolves with Janus's answer (for a plugin message, the plugin's event), rejects with
    // its error. Keepalives and trickles are answered by an "ack" alone; a plugin message gets an "ack"
    // first, then its event. The token goes with every request: Janus checks it each time.
    send(message) {
      const id = transaction();
      const payload = { ...message, transaction: id, token: this.token };
      if (this.id) payload.session_id = this.id;
      const ackIsAnswer = message.janus === "keepalive" || message.janus === "trickle";
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject, ackIsAnswer });
        this.socket.send(JSON.stringify(payload));
      });
    }

    receive(message) {
      const waiting = this.pending.get(message.transaction);
      if (!waiting) {
        if (message.sender) this.handles.get(message.sender)?.(message);
        return;
      }
      if (message.janus === "ack" && !waiting.ackIsAnswer) return;
      this.pending.delete(message.transaction);
      const data = message.plugindata?.data;
      const error = message.error || (data?.error_code && { code: data.error_code, reason: data.error });
      if (error) waiting.reject(Object.assign(new Error(error.reason), { code: error.code }));
      else waiting.resolve(message);
    }

    async attach(onmessage) {
      const id = (await this.send({ janus: "attach", plugin: PLUGIN })).data.id;
      this.handles.set(id, onmessage);
      return new Handle(this, id);
    }

    close() {
      clearInterval(this.keepalive);
      this.socket.onclose = null;
      this.socket.close(); // Janus ends the session, its handles and its feeds with the socket
    }
  }

  class Handle {
    constructor(session, id) {
      this.session = session;
      this.id = id;
    }

    message(body, jsep) {
      return this.session.send({ janus: "message", handle_id: this.id, body, ...(jsep ? { jsep } : {}) });
    }

    trickle(candidate) {
      return this.session.send({ janus: "trickle", handle_id: this.id, candidate: candidate || { completed: true } });
    }

    detach() {
      this.session.handles.delete(this.id);
      return this.session.send({ janus: "detach", handle_id: this.id }).catch(() => {});
    }
  }

  // Candidates from this browser go to Janus as they come; Janus's come in its events (full trickle).
  function trickling(pc, handle) {
    pc.onicecandidate = (event) => handle.trickle(event.candidate?.candidate ? event.candidate.toJSON() : null).catch(() => {});
  }

  // Janus may send its first candidates before its answer: those wait for the remote description.
  const early = new WeakMap(); // pc -> candidates that came before its remote description

  function addJanusCandidate(pc, message) {
    if (message.janus !== "trickle" || !message.candidate || message.candidate.completed) return;
    if (!pc.remoteDescription) {
      early.set(pc, [...(early.get(pc) || []), message.candidate]);
      return;
    }
    pc.addIceCandidate(message.candidate).catch((error) => console.warn("janus candidate", error));
  }

  async function setRemote(pc, description) {
    await pc.setRemoteDescription(description);
    for (const candidate of early.get(pc) || []) await pc.addIceCandidate(candidate).catch(() => {});
    early.delete(pc);
  }

  class Room {
    constructor(session, details, options) {
      this.session = session;
      this.details = details;
      this.options = options; // { iceServers, onPublished(feedIds), onUnpublished(feedId) }
      this.subscriptions = new Map(); // feed id -> { handle, pc, videoMid }
    }

    // Join as this tab's feed and send its tracks; resolves once Janus has answered the offer.
    async publish(audioTrack, videoTrack) {
      const pc = new RTCPeerConnection({ iceServers: this.options.iceServers });
      this.publisher = pc;
      this.handle = await this.session.attach((message) => this.onPublisherEvent(message));
      trickling(pc, this.handle);
      const joined = await this.handle.message({
        request: "join", ptype: "publisher", room: this.details.room, id: this.details.feed, token: this.details.room_token,
      });
      this.announce(joined.plugindata.data);
      this.audio = pc.addTransceiver("audio", { direction: "sendonly" });
      this.video = pc.addTransceiver("video", { direction: "sendonly", sendEncodings: ENCODINGS });
      await this.replaceTracks(audioTrack, videoTrack);
      await pc.setLocalDescription();
      const answer = await this.handle.message({ request: "publish", audio: true, video: true }, pc.localDescription.toJSON());
      await setRemote(pc, answer.jsep);
    }

    replaceTracks(audioTrack, videoTrack) {
      return Promise.all([this.audio?.sender.replaceTrack(audioTrack), this.video?.sender.replaceTrack(videoTrack)]);
    }

    onPublisherEvent(message) {
      addJanusCandidate(this.publisher, message);
      if (message.janus === "event") this.announce(message.plugindata?.data || {});
    }

    announce(data) {
      if (Array.isArray(data.publishers) && data.publishers.length) this.options.onPublished(data.publishers.map((p) => p.id));
      for (const key of ["unpublished", "leaving", "kicked"]) {
        if (typeof data[key] === "number") this.options.onUnpublished(data[key]);
      }
    }

    // Receive one feed on `pc` (its ontrack is the caller's); resolves once Janus has the answer.
    async subscribe(feed, pc) {
      const handle = await this.session.attach((message) => {
        addJanusCandidate(pc, message);
        if (message.janus === "event" && message.jsep) this.answer(subscription, message.jsep).catch((e) => console.warn("janus", e));
      });
      const subscription = { handle, pc, videoMid: null };
      this.subscriptions.set(feed, subscription);
      trickling(pc, handle);
      const attached = await handle.message({
        request: "join", ptype: "subscriber", room: this.details.room, streams: [{ feed }], token: this.details.room_token,
      });
      subscription.videoMid = (attached.plugindata.data.streams || []).find((s) => s.type === "video")?.mid ?? null;
      await this.answer(subscription, attached.jsep);
      return subscription;
    }

    async answer(subscription, offer) {
      const { pc, handle } = subscription;
      await setRemote(pc, offer);
      await pc.setLocalDescription();
      await handle.message({ request: "start" }, pc.localDescription.toJSON());
    }

    // Which simulcast layer of a feed to receive (0 the small one), and whether to receive its video at all.
    configure(feed, { substream, video }) {
      const subscription = this.subscriptions.get(feed);
      if (!subscription?.videoMid) return Promise.resolve();
      const stream = { mid: subscription.videoMid };
      if (substream !== undefined) stream.substream = substream;
      if (video !== undefined) stream.send = video;
      return subscription.handle.message({ request: "configure", streams: [stream] }).catch((e) => console.warn("janus configure", e));
    }

    unsubscribe(feed) {
      const subscription = this.subscriptions.get(feed);
      if (!subscription) return;
      this.subscriptions.delete(feed);
      subscription.handle.detach();
    }

    setToken(token) {
      this.session.token = token;
    }

    close() {
      for (const feed of [...this.subscriptions.keys()]) this.unsubscribe(feed);
      this.publisher?.close();
      this.session.close();
    }
  }

  window.MeetingSFU = Object.freeze({
    layers: ENCODINGS.length,
    // Open a session with the credentials of meeting.joined's "sfu"; resolves with the Room.
    async connect(details, options) {
      const session = await new Session(details.url, details.token).open();
      return new Room(session, details, options);
    },
  });
})();
