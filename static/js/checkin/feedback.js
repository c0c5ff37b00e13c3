// A short sound (WebAudio, no audio files) and a vibration for each verdict: a rising double
// beep when admitted, a low buzz when refused. Browsers allow sound only after a tap, so
// unlock() is called from the first button press.
let audio = null;

export function unlock() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}

function tone(frequency, start, duration, type) {
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = type;
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.3, start + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
  osc.connect(gain).connect(audio.destination);
  osc.start(start);
  osc.stop(start + duration + 0.02);
}

export function signal(kind) {
  if (navigator.vibrate) navigator.vibrate(kind === "good" ? 80 : [150, 80, 150]);
  if (!audio || audio.state !== "running") return;
  const t = audio.currentTime + 0.01;
  if (kind === "good") {
    tone(880, t, 0.09, "sine");
    tone(1320, t + 0.11, 0.14, "sine");
  } else if (kind === "warn") {
    tone(660, t, 0.12, "triangle");
    tone(660, t + 0.18, 0.12, "triangle");
  } else {
    tone(196, t, 0.45, "square");
  }
}
