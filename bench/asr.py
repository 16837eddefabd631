"""Driver of bench/asr: runs each system as a child process, measures wall time and peak RSS."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FW_SCRIPT = r'''
import sys, json
from faster_whisper import WhisperModel
model_dir, audio, threads, compute, beam = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
m = WhisperModel(model_dir, device="cpu", compute_type=compute, cpu_threads=threads, num_workers=1)
segs, info = m.transcribe(audio, beam_size=beam, condition_on_previous_text=False, language=None)
text = " ".join(s.text.strip() for s in segs)
print(json.dumps({"text": text, "language": info.language}))
'''


def peak_of(cmd, env=None):
    """Wall time and the peak RSS of this one command (measured with a fresh wrapper)."""
    wrapper = [sys.executable, "-c", (
        "import resource,subprocess,sys,time,json;t=time.perf_counter();"
        "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
        "dt=time.perf_counter()-t;"
        "print(json.dumps({'rc':p.returncode,'dt':dt,'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,'out':p.stdout,'err':p.stderr[-3000:]}))"
    )] + [str(c) for c in cmd]
    p = subprocess.run(wrapper, capture_output=True, text=True, env=env)
    r = json.loads(p.stdout)
    if r["rc"] != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r['err']}")
    return r["dt"], r["rss"], r["out"]


def normalize(text):
    text = text.lower().replace("-", " ")
    text = re.sub(r"\bmr\b\.?", "mister", text)
    text = re.sub(r"\bmrs\b\.?", "missus", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return text.split()


def wer(ref, hyp):
    r, h = normalize(ref), normalize(hyp)
    d = list(range(len(h) + 1))
    for i, rw in enumerate(r):
        cur = [i + 1] + [0] * len(h)
        for j, hw in enumerate(h):
            cur[j + 1] = min(d[j] + (rw != hw), d[j + 1] + 1, cur[j] + 1)
        d = cur
    return d[len(h)] / max(1, len(r))


def duration(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True).stdout
    return float(out.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lipi")
    ap.add_argument("--fw-model")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--assets")
    ap.add_argument("--quick", type=int, default=0)
    a = ap.parse_args()

    libri_dir = Path("/usr/share/pocketsphinx/test/data/librivox")
    refs = {}
    for line in (libri_dir / "transcription").read_text().splitlines():
        text, ident = line.rsplit("(", 1)
        refs[ident.strip(" )")] = text.replace("<s>", "").replace("</s>", "").strip()
    audio = [("lecture 60 s", Path(a.assets) / "lecture_60s.wav"), ("news 169 s", Path(a.assets) / "news_169s.wav")]
    if a.quick:
        audio = audio[:1]
    clips = sorted(libri_dir.glob("*.wav"))

    out_root = Path(tempfile.mkdtemp(prefix="lipi-bench-"))
    env = dict(os.environ)

    def lipi(path, model="base", beam=5, threads=a.threads):
        cmd = [a.lipi, "-q", "--out", out_root, "transcribe", path, "-s", "auto",
               "-c", f"asr.model={model}", "-c", f"asr.beam-size={beam}", "-c", f"asr.threads={threads}"]
        dt, rss, out = peak_of(cmd, env)
        job = [l for l in out.splitlines() if l.endswith("transcript.txt")][0]
        return dt, rss, Path(job).read_text()

    def fw(path, compute="int8", beam=5, threads=a.threads):
        dt, rss, out = peak_of([sys.executable, "-c", FW_SCRIPT, a.fw_model, path, threads, compute, beam], env)
        return dt, rss, json.loads(out.splitlines()[-1])["text"]

    systems = [
        ("lipi whisper.cpp f16, beam 5", lambda p: lipi(p)),
        ("lipi whisper.cpp q8_0, beam 5", lambda p: lipi(p, model="base-q8_0")),
        ("lipi whisper.cpp f16, greedy", lambda p: lipi(p, beam=1)),
        ("faster-whisper int8, beam 5", lambda p: fw(p, "int8")),
        ("faster-whisper float32, beam 5", lambda p: fw(p, "float32")),
        ("faster-whisper int8, greedy", lambda p: fw(p, "int8", beam=1)),
    ]
    if a.quick:
        systems = [systems[0], systems[3]]

    print(f"# ASR benchmark: Whisper base, {a.threads} threads, {os.cpu_count()} cores; whole process (load + decode)")
    rows = []
    for name, fn in systems:
        row = {"system": name}
        for label, path in audio:
            dt, rss, _ = fn(path)
            row[label] = (dt, dt / duration(path), rss)
        total_t, errs = 0.0, []
        for c in clips:
            dt, rss, text = fn(c)
            total_t += dt
            errs.append(wer(refs[c.stem], text))
        row["librivox"] = (total_t, sum(errs) / len(errs))
        rows.append(row)
        print(f"  measured {name}", file=sys.stderr)

    ref_fw = next(r for r in rows if r["system"].startswith("faster-whisper int8, beam"))
    head = "| system | " + " | ".join(f"{l}: wall s (RTF) | peak MiB" for l, _ in audio) + " | LibriVox 5 clips: wall s | WER % | wall vs faster-whisper int8 |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        cells = []
        for label, _ in audio:
            dt, rtf, rss = r[label]
            cells.append(f"{dt:.1f} ({rtf:.3f}) | {rss:.0f}")
        ratio = sum(r[l][0] for l, _ in audio) / sum(ref_fw[l][0] for l, _ in audio)
        print(f"| {r['system']} | " + " | ".join(cells) + f" | {r['librivox'][0]:.1f} | {r['librivox'][1]*100:.1f} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
