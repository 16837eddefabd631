"""Reference speech probabilities for the Silero VAD test, from onnxruntime on the same export
(`silero_vad_16k_sequence.onnx`, installed by `lipi models pull silero-vad`) and the same 60 s
lecture (`scripts/assets.sh`). Writes crates/lipi-models/tests/silero/reference_lecture.json.
Run with a Python that has onnxruntime and numpy:  python scripts/silero_reference.py"""
import json
import os
import wave

import numpy as np
import onnxruntime as ort

cache = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "lipi")
w = wave.open(os.path.join(cache, "assets", "lecture_60s.wav"))
a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
n = (len(a) + 511) // 512
padded = np.concatenate([np.zeros(64, np.float32), a, np.zeros(n * 512 - len(a), np.float32)])
rows = np.stack([padded[i * 512 : i * 512 + 576] for i in range(n)])
session = ort.InferenceSession(os.path.join(cache, "models", "silero-vad", "model.onnx"))
zeros = np.zeros((1, 1, 128), np.float32)
probs, _, _ = session.run(None, {"input": rows, "h": zeros, "c": zeros})
out = os.path.join(os.path.dirname(__file__), "..", "crates/lipi-models/tests/silero/reference_lecture.json")
with open(out, "w") as f:
    json.dump({"source": "onnxruntime " + ort.__version__, "frames": [round(float(p), 5) for p in probs]}, f)
print(f"{n} frames -> {out}")
