// Video meetings. The page is drawn by the server; this module does what only a script can:
// open the camera and microphone, let people pick devices, and connect a WebRTC mesh with every other
// tab in the room. Signals (offers, answers, ICE candidates) go as JSON over the page's one socket
// (#live, from base.html) to the server, which passes them through the broker to the other tab.
//
// Who calls whom: of two tabs, the one that joined later (the higher "order") sends the offer. A newcomer
// is told who is in the room, and those already in are told of the newcomer; when two people join at the
// same moment each may hear of the other both ways, and the order still picks exactly one caller. Each connection has one audio and one video
// transceiver, so sharing the screen swaps the video track (replaceTrack) without renegotiating.
//
// SFU mode (the page has data-janus-url, and js/meeting-sfu.js is loaded): the same tiles, toggles and
// messages over our socket, but media goes through the meeting's Janus room instead of tab to tab. This
// tab publishes once (simulcast) and receives each other person on a connection of its own, subscribed
// when both the app has announced the person and Janus has announced their feed (the feed id is the
// person's "order"). No signal goes over our socket then. With many people, only the VISIBLE_VIDEOS who
// spoke last get video; the one who spoke last is drawn large and received in the larger layer, the
// others in the small one.
//
// A person's tile has aria-busy="true" until their connection is up and their first video frame has
// arrived. For inspection (the console, tests, bench/), read-only: window.meeting.peers (a Map of socket
// id to the RTCPeerConnection that receives that person), .senders (the connections that carry this
// tab's media: one per peer in a mesh, the one publisher through Janus), .mode ("mesh" or "sfu"),
// .localStream, .socketId, .joined and .connected (the socket is ready).
(() => {
  const root = document.getElementById("meeting");
  if (!root) return;
  if (root.dataset.zegoAppId) {
    document.addEventListener("DOMContentLoaded", () => startZego(root));
    return;
  }

  const $ = (id) => document.getElementById(id);
  const room = root.dataset.room;
  // From the page, then from each meeting.joined, which carries TURN credentials made at that join.
  let iceServers = JSON.parse(root.dataset.iceServers || "[]");
  const selfName = root.dataset.selfName;
  const sfuMode = Boolean(root.dataset.janusUrl && window.MeetingSFU);
  let sfu = null; // the Janus room (meeting-sfu.js), once connected
  const published = new Set(); // feed ids Janus says are publishing
  const VISIBLE_VIDEOS = window.matchMedia("(max-width: 767px)").matches ? 4 : 9;
  const media = { camera: true, mic: true, screen: false };
  const peers = new Map(); // socket id -> { pc, info, tile, stream, chain, pending }
  let localStream = new MediaStream();
  let screenTrack = null;
  let connection = null; // hx-ws's connection object for #live; its .socket is the current WebSocket
  let ready = false; // the server has registered the socket (its {"ready": true} arrived)
  let wantJoin = false;
  let joined = false;
  let socketId = null;
  let order = null; // this tab's place in the join order, once joined
  let selfTile = null;

  // ---- The socket -------------------------------------------------------------------------------
  // app.js announces the server's "ready" as live:ready, with the connection to send on. Like this
  // deferred script, it runs before htmx starts and opens the socket (base.html), so no "ready" is missed.
  document.addEventListener("live:ready", (event) => {
    connection = event.detail.connection;
    ready = true;
    if (wantJoin && !joined) sendJoin();
  });
  document.addEventListener("htmx:ws:close", () => {
    ready = false;
    if (joined) {
      // The server drops us from the room when the socket closes; rejoin when a new one is ready.
      joined = false;
      for (const id of [...peers.keys()]) removePeer(id);
      closeSfu();
      status("Connection lost. Reconnecting…");
    }
  });
  document.addEventListener("htmx:ws:after:message:incoming", (event) => {
    const data = event.detail?.message?.data;
    if (typeof data !== "string" || !data.startsWith("{")) return;
    const message = JSON.parse(data);
    if (String(message.type).startsWith("meeting.")) handlers[message.type]?.(message);
  });

  function send(message) {
    const socket = connection?.socket;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function sendJoin() {
    status("Joining…");
    send({ type: "meeting.join", room, camera: media.camera, mic: media.mic });
  }

  const handlers = {
    "meeting.joined"(message) {
      // Connections of an earlier socket were dropped when it closed; those already here were announced
      // by peer-joined messages that may have come first.
      joined = true;
      socketId = message.socket;
      if (Array.isArray(message.ice_servers)) iceServers = message.ice_servers;
      order = message.self.order;
      showRoom();
      for (const info of message.peers) addPeer(info);
      for (const peer of peers.values()) callIfMine(peer);
      status(peers.size ? "" : "You are the only one here. Share the link to invite people.");
      if (message.sfu) startSfu(message.sfu);
    },
    "meeting.sfu-token"(message) { sfu?.setToken(message.token); },
    "meeting.full"(message) {
      wantJoin = false;
      $("meeting-full").hidden = false;
      $("join-button").disabled = false;
      status("");
    },
    "meeting.error"(message) {
      wantJoin = false;
      $("join-button").disabled = false;
      status(message.message);
    },
    "meeting.peer-joined"(message) {
      const peer = addPeer(message.peer);
      callIfMine(peer);
      subscribeIfPublished(peer);
      status("");
    },
    "meeting.peer-left"(message) { removePeer(message.socket); },
    "meeting.peer-media"(message) {
      const peer = peers.get(message.peer.socket);
      if (peer) showState(peer.tile, message.peer);
    },
    "meeting.signal"(message) {
      if (sfuMode) return;
      const peer = peers.get(message.from) || addPeer({ socket: message.from, name: "" });
      peer.chain = peer.chain.then(() => onSignal(peer, message)).catch((error) => console.warn("signal", error));
    },
  };

  // ---- Devices ----------------------------------------------------------------------------------
  async function openDevices() {
    const camera = $("camera-select").value;
    const mic = $("mic-select").value;
    const wanted = {
      video: camera ? { deviceId: { exact: camera } } : true,
      audio: mic ? { deviceId: { exact: mic } } : true,
    };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(wanted);
    } catch (error) {
      // One device missing or refused should not stop the other: try each alone.
      const parts = await Promise.allSettled([
        navigator.mediaDevices.getUserMedia({ video: wanted.video }),
        navigator.mediaDevices.getUserMedia({ audio: wanted.audio }),
      ]);
      stream = new MediaStream(parts.flatMap((p) => (p.status === "fulfilled" ? p.value.getTracks() : [])));
      if (!stream.getTracks().length) status(`Your camera and microphone could not be opened (${error.name}).`);
    }
    for (const track of localStream.getTracks()) track.stop();
    localStream = stream;
    // Without a camera (none, or refused) the person joins with their microphone alone, shown as camera off.
    if (!stream.getVideoTracks().length) setMedia({ camera: false });
    applyMedia();
    $("preview").srcObject = localStream;
    if (selfTile) selfTile.querySelector("video").srcObject = localStream;
    await updateSenders();
    await listDevices();
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    fillSelect($("camera-select"), devices.filter((d) => d.kind === "videoinput"), localStream.getVideoTracks()[0], "Camera");
    fillSelect($("mic-select"), devices.filter((d) => d.kind === "audioinput"), localStream.getAudioTracks()[0], "Microphone");
  }

  function fillSelect(select, devices, track, fallback) {
    if (!devices.length) return;
    const current = track?.getSettings().deviceId || select.value;
    select.replaceChildren(...devices.map((d, i) => new Option(d.label || `${fallback} ${i + 1}`, d.deviceId)));
    if (current) select.value = current;
  }

  function applyMedia() {
    for (const track of localStream.getVideoTracks()) track.enabled = media.camera;
    for (const track of localStream.getAudioTracks()) track.enabled = media.mic;
    toggleButton($("camera-toggle"), media.camera, "Turn camera off", "Turn camera on");
    toggleButton($("mic-toggle"), media.mic, "Turn microphone off", "Turn microphone on");
    toggleButton($("screen-toggle"), media.screen, "Stop sharing screen", "Share screen");
    if (selfTile) showState(selfTile, media);
  }

  function toggleButton(button, pressed, whenPressed, otherwise) {
    button.setAttribute("aria-pressed", String(pressed));
    button.textContent = pressed ? whenPressed : otherwise;
  }

  function setMedia(change) {
    Object.assign(media, change);
    applyMedia();
    if (joined) send({ type: "meeting.media", camera: media.camera, mic: media.mic, screen: media.screen });
  }

  // ---- Peers ------------------------------------------------------------------------------------
  function addPeer(info) {
    const existing = peers.get(info.socket);
    if (existing) {
      Object.assign(existing.info, info);
      if (info.name) nameTile(existing.tile, info.name);
      showState(existing.tile, info);
      return existing;
    }
    const pc = new RTCPeerConnection({ iceServers });
    const peer = { pc, info, tile: makeTile(info.name, false), stream: new MediaStream(), chain: Promise.resolve(), pending: [] };
    showState(peer.tile, info);
    peers.set(info.socket, peer);
    showCount();
    pc.onicecandidate = (event) => {
      if (event.candidate) send({ type: "meeting.signal", to: info.socket, candidate: event.candidate.toJSON() });
    };
    // The tile is busy until the connection is up and its first frame has arrived.
    const video = peer.tile.querySelector("video");
    // Someone without a camera sends no frames at all: their connection being up is enough.
    const showReady = () => {
      const pictured = video.readyState >= 2 || peer.tile.dataset.camera === "off";
      peer.tile.setAttribute("aria-busy", String(!(pc.connectionState === "connected" && pictured)));
      peer.tile.classList.toggle("tile-lost", pc.connectionState === "failed");
    };
    peer.tile.setAttribute("aria-busy", "true");
    video.addEventListener("loadeddata", showReady);
    pc.onconnectionstatechange = showReady;
    pc.ontrack = (event) => {
      peer.stream.addTrack(event.track);
      video.srcObject = peer.stream;
      if (event.track.kind === "audio") listen(peer.tile, peer.stream);
    };
    return peer;
  }

  // Offer to a peer that joined before this tab, once (in a mesh).
  function callIfMine(peer) {
    if (sfuMode || !joined || peer.called || !(order > peer.info.order)) return;
    peer.called = true;
    peer.chain = peer.chain.then(() => call(peer)).catch((error) => console.warn("call", error));
  }

  async function call(peer) {
    const { pc } = peer;
    for (const kind of ["audio", "video"]) pc.addTransceiver(kind, { direction: "sendrecv" });
    await attachTracks(pc);
    await pc.setLocalDescription();
    send({ type: "meeting.signal", to: peer.info.socket, description: pc.localDescription.toJSON() });
  }

  async function onSignal(peer, { description, candidate }) {
    const { pc } = peer;
    if (description) {
      await pc.setRemoteDescription(description);
      if (description.type === "offer") {
        for (const transceiver of pc.getTransceivers()) transceiver.direction = "sendrecv";
        await attachTracks(pc);
        await pc.setLocalDescription();
        send({ type: "meeting.signal", to: peer.info.socket, description: pc.localDescription.toJSON() });
      }
      for (const waiting of peer.pending.splice(0)) await pc.addIceCandidate(waiting);
    } else if (candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else peer.pending.push(candidate);
    }
  }

  function outgoing() {
    return { video: screenTrack || localStream.getVideoTracks()[0] || null, audio: localStream.getAudioTracks()[0] || null };
  }

  // What this tab sends follows the devices and the screen: on each connection in a mesh, on the one
  // publisher through Janus.
  function updateSenders() {
    if (sfuMode) return sfu ? sfu.replaceTracks(outgoing().audio, outgoing().video) : Promise.resolve();
    return Promise.all([...peers.values()].map((peer) => attachTracks(peer.pc)));
  }

  // Each connection's audio sender gets the microphone, its video sender the screen or the camera.
  function attachTracks(pc) {
    const { video, audio } = outgoing();
    return Promise.all(pc.getTransceivers().map((t) => {
      const kind = t.receiver.track.kind;
      return t.sender.replaceTrack(kind === "video" ? video : audio);
    }));
  }

  function removePeer(id) {
    const peer = peers.get(id);
    if (!peer) return;
    sfu?.unsubscribe(peer.info.order);
    peer.pc.close();
    peer.tile.remove();
    peers.delete(id);
    showCount();
  }

  // ---- Through Janus (SFU mode) -----------------------------------------------------------------
  async function startSfu(details) {
    try {
      const room = await window.MeetingSFU.connect(details, {
        iceServers,
        onPublished(feeds) {
          for (const feed of feeds) published.add(feed);
          for (const peer of peers.values()) subscribeIfPublished(peer);
        },
        onUnpublished(feed) { published.delete(feed); },
      });
      if (!joined) return room.close(); // left, or the socket dropped, while connecting
      sfu = room;
      room.session.onclose = () => { if (sfu === room) status("Lost the connection to the meeting's media server."); };
      await room.publish(outgoing().audio, outgoing().video);
    } catch (error) {
      console.warn("janus", error);
      status(`The meeting's media server refused the connection (${error.message}).`);
    }
  }

  function subscribeIfPublished(peer) {
    if (!sfu || peer.subscribed || !published.has(peer.info.order)) return;
    peer.subscribed = true;
    sfu.subscribe(peer.info.order, peer.pc)
      .then(() => { peer.sfu = { substream: null, video: true }; }) // what arrange() last asked Janus for
      .catch((error) => console.warn("janus subscribe", error));
  }

  function closeSfu() {
    sfu?.close();
    sfu = null;
    published.clear();
  }

  // The one who spoke last is drawn large and received in the larger layer; the VISIBLE_VIDEOS who spoke
  // last are received with video, the others only heard (their initials shown), so a phone does not
  // decode two dozen videos.
  function arrange() {
    const ranked = [...peers.values()].sort((a, b) => (spokeAt(b.tile) - spokeAt(a.tile)) || (a.info.order - b.info.order));
    ranked.forEach((peer, rank) => {
      peer.tile.classList.toggle("tile-main", rank === 0 && ranked.length > 1);
      if (!peer.sfu) return;
      const wanted = { substream: rank === 0 ? window.MeetingSFU.layers - 1 : 0, video: rank < VISIBLE_VIDEOS };
      peer.tile.dataset.video = wanted.video ? "on" : "paused";
      const change = {};
      if (wanted.video !== peer.sfu.video) change.video = wanted.video;
      if (wanted.video && wanted.substream !== peer.sfu.substream) change.substream = wanted.substream;
      if (!Object.keys(change).length) return;
      Object.assign(peer.sfu, change);
      sfu?.configure(peer.info.order, change);
    });
  }

  function spokeAt(tile) {
    return listened.get(tile)?.spokeAt || 0;
  }

  // ---- Tiles ------------------------------------------------------------------------------------
  function initials(name) {
    return name.replace(/\(you\)$/, "").trim().split(/\s+/).slice(0, 2).map((word) => word[0] || "").join("").toUpperCase();
  }

  function nameTile(tile, name) {
    tile.querySelector(".tile-name").textContent = name;
    tile.querySelector(".tile-initials").textContent = initials(name);
  }

  function makeTile(name, self) {
    const tile = $("tile-template").content.firstElementChild.cloneNode(true);
    nameTile(tile, name);
    const video = tile.querySelector("video");
    if (self) {
      video.muted = true; // never play one's own microphone back
      video.classList.add("mirrored");
      video.setAttribute("aria-label", "Your camera");
    }
    $("tiles").append(tile);
    return tile;
  }

  function showState(tile, state) {
    tile.dataset.camera = state.camera === false ? "off" : "on";
    tile.dataset.screen = state.screen ? "on" : "off"; // a shared screen shows whatever the camera does
    tile.querySelector(".tile-camera-off").hidden = state.camera !== false;
    tile.querySelector(".tile-mic-off").hidden = state.mic !== false;
    tile.dataset.mic = state.mic === false ? "off" : "on";
    if (state.mic === false) {
      // A muted person is not speaking, from this moment.
      const listening = listened.get(tile);
      if (listening) listening.until = 0;
      tile.classList.remove("speaking");
    }
    tile.querySelector(".tile-screen").hidden = !state.screen;
  }

  function showRoom() {
    $("prejoin").hidden = true;
    $("join-button").hidden = true;
    $("screen-toggle").hidden = !navigator.mediaDevices.getDisplayMedia;
    $("leave-button").hidden = false;
    $("tiles").hidden = false;
    if (!selfTile) {
      selfTile = makeTile(`${selfName} (you)`, true);
      selfTile.querySelector("video").srcObject = localStream;
      listen(selfTile, localStream);
    }
    showState(selfTile, media);
    showCount();
  }

  function showCount() {
    const count = peers.size + 1;
    $("participant-count").textContent = joined ? (count === 1 ? "Only you are here" : `${count} people in the meeting`) : "";
  }

  function status(text) {
    $("meeting-status").textContent = text;
  }

  // ---- Screen sharing ---------------------------------------------------------------------------
  async function shareScreen() {
    try {
      const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
      screenTrack = display.getVideoTracks()[0];
      screenTrack.addEventListener("ended", stopSharing);
    } catch (error) {
      return; // the person closed the picker
    }
    await updateSenders();
    setMedia({ screen: true });
  }

  async function stopSharing() {
    screenTrack?.stop();
    screenTrack = null;
    await updateSenders();
    setMedia({ screen: false });
  }

  // ---- Leaving ----------------------------------------------------------------------------------
  function leave() {
    send({ type: "meeting.leave" });
    wantJoin = false;
    joined = false;
    for (const id of [...peers.keys()]) removePeer(id);
    closeSfu();
    for (const track of localStream.getTracks()) track.stop();
    screenTrack?.stop();
    $("controls").hidden = true;
    $("tiles").hidden = true;
    $("left").hidden = false;
    showCount();
    status("");
  }

  // ---- Who is speaking --------------------------------------------------------------------------
  // Each tile's audio goes through an analyser (Web Audio); ten times a second a tile whose sound is loud
  // enough is marked "speaking", which draws a ring around it, and stays so for HOLD ms after the last loud
  // moment, so the ring does not flicker between words. The context starts on the Join click, as browsers
  // allow sound to start only after a gesture.
  let audio = null;
  const listened = new Map(); // tile -> { analyser, until }
  const SPEAKING_LEVEL = 0.02; // root mean square of the samples, 0..1
  const HOLD = 800;

  function listen(tile, stream) {
    if (!audio || listened.has(tile) || !stream.getAudioTracks().length) return;
    const analyser = audio.createAnalyser();
    analyser.fftSize = 2048;
    audio.createMediaStreamSource(stream).connect(analyser);
    listened.set(tile, { analyser, until: 0 });
  }

  function level(analyser) {
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    return Math.sqrt(sum / samples.length);
  }

  setInterval(() => {
    const now = performance.now();
    for (const [tile, listening] of listened) {
      if (!tile.isConnected) {
        listened.delete(tile);
        continue;
      }
      const muted = tile === selfTile ? !media.mic : tile.dataset.mic === "off";
      if (muted) listening.until = 0;
      else if (level(listening.analyser) > SPEAKING_LEVEL) {
        listening.until = now + HOLD;
        listening.spokeAt = now;
      }
      tile.classList.toggle("speaking", now < listening.until);
    }
  }, 100);
  if (sfuMode) setInterval(arrange, 1000);

  // ---- Wiring -----------------------------------------------------------------------------------
  $("camera-toggle").addEventListener("click", () => setMedia({ camera: !media.camera }));
  $("mic-toggle").addEventListener("click", () => setMedia({ mic: !media.mic }));
  $("screen-toggle").addEventListener("click", () => (media.screen ? stopSharing() : shareScreen()));
  $("leave-button").addEventListener("click", leave);
  $("camera-select").addEventListener("change", openDevices);
  $("mic-select").addEventListener("change", openDevices);
  $("join-button").addEventListener("click", () => {
    audio ??= new AudioContext();
    wantJoin = true;
    $("join-button").disabled = true;
    $("meeting-full").hidden = true;
    if (ready) sendJoin();
    else status("Connecting…");
  });
  // The socket closes when the tab goes; saying so first lets the others drop the tile at once.
  window.addEventListener("pagehide", () => { if (joined) send({ type: "meeting.leave" }); });
  setInterval(() => { if (joined) send({ type: "meeting.heartbeat" }); }, 20000);

  window.meeting = Object.freeze({
    mode: sfuMode ? "sfu" : "mesh",
    get peers() { return new Map([...peers].map(([id, peer]) => [id, peer.pc])); },
    get senders() { return sfuMode ? [sfu?.publisher].filter(Boolean) : [...peers.values()].map((peer) => peer.pc); },
    get localStream() { return localStream; },
    get socketId() { return socketId; },
    get joined() { return joined; },
    get connected() { return ready; },
  });

  if (!$("prejoin").hidden) openDevices();

  // ---- ZegoCloud --------------------------------------------------------------------------------
  function startZego(el) {
    const { zegoAppId, zegoToken, room: roomId, userId, selfName: name, link, max } = el.dataset;
    const kitToken = ZegoUIKitPrebuilt.generateKitTokenForProduction(Number(zegoAppId), zegoToken, roomId, userId, name);
    ZegoUIKitPrebuilt.create(kitToken).joinRoom({
      container: document.getElementById("zego-room"),
      scenario: { mode: ZegoUIKitPrebuilt.VideoConference },
      maxUsers: Number(max),
      sharedLinks: [{ name: "Meeting link", url: link }],
    });
  }
})();
