// The rear camera (getUserMedia, facingMode environment), frames sampled a few times a second
// into a small canvas and decoded by jsQR in a worker; the torch where the camera track offers it.
const MAX_SIDE = 640; // decoding a larger frame costs time and finds nothing more at arm's length
const INTERVAL_MS = 120;

export class Camera {
  constructor(video, { onCode, onState }) {
    this.video = video;
    this.onCode = onCode;
    this.onState = onState;
    this.stream = null;
    this.track = null;
    this.paused = false;
    this.busy = false;
    this.timer = null;
    this.torchOn = false;
    this.canvas = document.createElement("canvas");
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    this.worker = new Worker("/static/js/checkin/qr-worker.js");
    this.frameId = 0;
    this.worker.onmessage = (event) => {
      this.busy = false;
      if (event.data.text && !this.paused) this.onCode(event.data.text);
    };
  }

  get running() {
    return Boolean(this.stream);
  }

  /** True while getUserMedia is pending: a tap then must neither start a second stream nor stop. */
  get starting() {
    return Boolean(this.pending);
  }

  async start() {
    if (this.stream || this.pending) return;
    this.pending = true;
    try {
      await this.open();
    } finally {
      this.pending = false;
    }
  }

  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.onState("missing");
      return;
    }
    this.onState("starting");
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (err) {
      this.stream = null;
      this.onState(err && err.name === "NotAllowedError" ? "denied" : "missing");
      return;
    }
    this.track = this.stream.getVideoTracks()[0] || null;
    this.video.srcObject = this.stream;
    this.video.setAttribute("playsinline", "");
    try {
      await this.video.play();
    } catch (err) {
      // iOS may refuse play() outside a tap; the next tap on "start" plays it.
    }
    this.paused = false;
    this.timer = setInterval(() => this.sample(), INTERVAL_MS);
    this.onState("on");
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.track = null;
    this.torchOn = false;
    this.video.srcObject = null;
    this.onState("off");
  }

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
  }

  get torchSupported() {
    if (!this.track || !this.track.getCapabilities) return false;
    const caps = this.track.getCapabilities();
    return Boolean(caps && caps.torch);
  }

  async setTorch(on) {
    if (!this.torchSupported) return false;
    try {
      await this.track.applyConstraints({ advanced: [{ torch: Boolean(on) }] });
      this.torchOn = Boolean(on);
    } catch (err) {
      this.torchOn = false;
    }
    return this.torchOn;
  }

  sample() {
    if (this.paused || this.busy || !this.stream) return;
    const { videoWidth: w, videoHeight: h } = this.video;
    if (!w || !h) return;
    const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
    const width = Math.round(w * scale);
    const height = Math.round(h * scale);
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    this.context.drawImage(this.video, 0, 0, width, height);
    const image = this.context.getImageData(0, 0, width, height);
    this.busy = true;
    this.frameId += 1;
    this.worker.postMessage({ id: this.frameId, width, height, buffer: image.data.buffer }, [image.data.buffer]);
  }
}
