#!/usr/bin/python3
"""Classical denoisers for scripts/compare-photos.mjs: OpenCV non-local means, scikit-image wavelet and TV.

Needs Debian's OpenCV and scikit-image for its python3 (the package denoise-wasm never does):
    apt-get install python3-opencv python3-skimage
and runs with that python: /usr/bin/python3 scripts/classical-denoisers.py JOBS.json

JOBS.json: {"jobs": [{"input": path, "height": H, "width": W, "channels": 1 or 3,
                      "method": "nlm" | "wavelet" | "tv", "params": {...}, "output": path}, ...]}
  input:  the noisy picture, raw uint8 HWC (RGB for colour), as compare-photos.mjs writes it
  output: the denoised picture, raw float32 HWC in [0, 1], little-endian (numpy.fromfile's native order here)
Prints one JSON line to stdout: {"seconds": [time of each job's denoiser call, in job order]}.
`python3 classical-denoisers.py --check` only imports the modules (exit 0 when they are there).

Methods and their parameters (the tuned values live in scripts/classical-params.json):
  nlm      cv2.fastNlMeansDenoising (grey) / cv2.fastNlMeansDenoisingColored (colour, in OpenCV's BGR
           order; it denoises CIELAB's L with h and a, b with hColor), template window 7 and search window
           21 as OpenCV's documentation recommends; params {h} or {h, hColor}, on the 0-255 scale
  wavelet  skimage.restoration.denoise_wavelet, BayesShrink, soft thresholds, rescale_sigma=True, the noise
           sigma estimated from the picture (estimate_sigma, as skimage's example does); colour with
           channel_axis=-1 and convert2ycbcr=True; params {wavelet} (the wavelet family)
  tv       skimage.restoration.denoise_tv_chambolle on [0, 1] floats; colour channel by channel
           (channel_axis=-1); params {weight}
"""
import json
import sys
import time

import numpy as np

try:
    import cv2
    from skimage.restoration import denoise_tv_chambolle, denoise_wavelet
except ImportError as e:  # the message compare-photos.mjs and its test show
    print(f'classical-denoisers.py needs OpenCV and scikit-image for {sys.executable} '
          f'(apt-get install python3-opencv python3-skimage): {e}', file=sys.stderr)
    sys.exit(3)


def nlm(noisy, p):
    if noisy.shape[2] == 1:
        return cv2.fastNlMeansDenoising(noisy[:, :, 0], None, float(p['h']), 7, 21)[:, :, None] / 255.0
    bgr = np.ascontiguousarray(noisy[:, :, ::-1])
    out = cv2.fastNlMeansDenoisingColored(bgr, None, float(p['h']), float(p['hColor']), 7, 21)
    return out[:, :, ::-1] / 255.0


def wavelet(noisy, p):
    x = noisy / 255.0
    if x.shape[2] == 1:
        return denoise_wavelet(x[:, :, 0], wavelet=p['wavelet'], method='BayesShrink', mode='soft',
                               rescale_sigma=True)[:, :, None]
    return denoise_wavelet(x, wavelet=p['wavelet'], method='BayesShrink', mode='soft', rescale_sigma=True,
                           channel_axis=-1, convert2ycbcr=True)


def tv(noisy, p):
    x = noisy / 255.0
    if x.shape[2] == 1:
        return denoise_tv_chambolle(x[:, :, 0], weight=float(p['weight']))[:, :, None]
    return denoise_tv_chambolle(x, weight=float(p['weight']), channel_axis=-1)


METHODS = {'nlm': nlm, 'wavelet': wavelet, 'tv': tv}


def main():
    if sys.argv[1:] == ['--check']:
        return
    with open(sys.argv[1]) as f:
        jobs = json.load(f)['jobs']
    seconds = []
    for job in jobs:
        shape = (job['height'], job['width'], job['channels'])
        noisy = np.fromfile(job['input'], dtype=np.uint8).reshape(shape)
        t0 = time.perf_counter()
        out = METHODS[job['method']](noisy, job['params'])
        seconds.append(time.perf_counter() - t0)
        np.clip(out, 0, 1).astype('<f4').tofile(job['output'])
    print(json.dumps({'seconds': seconds}))


main()
