// Decodes QR codes off the page's main thread, so the camera preview and buttons stay smooth.
// A classic worker: jsQR (vendored, UMD) defines self.jsQR.
importScripts("/static/vendor/jsqr/jsQR.js");

self.onmessage = (event) => {
  const { id, width, height, buffer } = event.data;
  let text = null;
  try {
    const found = self.jsQR(new Uint8ClampedArray(buffer), width, height, { inversionAttempts: "dontInvert" });
    text = found ? found.data : null;
  } catch (err) {
    text = null;
  }
  self.postMessage({ id, text });
};
