"""Print what repackaging a volunteer's voice note costs: WebM/Opus (Chromium's MediaRecorder) to Ogg/Opus, for
recordings of 1 and 3 minutes (the recorder's limit) at 32 kbit/s. Run: python tests/bench_voice.py"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bot.inbox import audio  # noqa: E402
from test_voice_format import OPUS_FRAME, webm  # noqa: E402

FRAME = OPUS_FRAME[:1] + b"\x11" * 79  # 80 bytes every 20 ms: 32 kbit/s


def main():
    for minutes in (1, 3):
        data = webm(frames=minutes * 60 * 50, frame=FRAME)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            out = audio.webm_to_ogg(data)
            times.append(time.perf_counter() - started)
        print(f"{minutes} min: WebM {len(data) / 1024:.0f} KB -> Ogg {len(out) / 1024:.0f} KB, "
              f"best {min(times) * 1000:.0f} ms, median {sorted(times)[2] * 1000:.0f} ms of CPU")


if __name__ == "__main__":
    main()
