#!/usr/bin/python3
"""Measure how long skewtop's screen takes to show a threshold key press.

Called by bench/run_responsiveness.sh, which starts skewtop in a tmux
session first:

    key_latency.py SOCKET SESSION PRESSES TARGET_MS

Attaches to the tmux server on SOCKET (tmux -L) as a control-mode client,
so each send-keys and capture-pane is one line on a pipe rather than a new
tmux process.  For each press it sends Right (Left once the threshold
reaches BOUNCE_HIGH, until it is back at BOUNCE_LOW), then captures the pane
every POLL_INTERVAL seconds until the "threshold 0.xxx" text differs from
the value before the press.  The latency of a press is the time from
writing send-keys to receiving the first capture with the new value.

Measures PRESSES presses while training runs, then pauses training (space)
and measures PRESSES / 2 presses more on the idle program, which is the
floor that tmux and this polling add.  Prints the median, the 90th
percentile and the three slowest presses of each phase, the epochs trained
during the measurement, and the CPU seconds skewtop used per second of wall
time (2.0 = both cores busy).
Prints a MISSED: line and exits 1 when a press during training was lost or
took longer than TARGET_MS milliseconds.
"""

import os
import random
import re
import statistics
import subprocess
import sys
import time

# Seconds between captures while waiting for a press to show.
POLL_INTERVAL = 0.002
# A press not shown after this many seconds counts as lost.
PRESS_TIMEOUT = 2.0
# Pause between presses: GAP_MIN plus up to GAP_JITTER seconds, so presses
# fall at varying points of the training epoch.
GAP_MIN = 0.10
GAP_JITTER = 0.05
# The threshold moves right from 0.5 until BOUNCE_HIGH, then left to
# BOUNCE_LOW, and so on, so every press changes the value.
BOUNCE_HIGH = 0.90
BOUNCE_LOW = 0.10
SEED = 5

THRESHOLD = re.compile(r"threshold (\d\.\d{3})")
EPOCH = re.compile(r"epoch (\d+)/(\d+)")


class ControlClient:
    """A tmux control-mode client: one command in, one output block back."""

    def __init__(self, socket, session):
        self.process = subprocess.Popen(
            ["tmux", "-L", socket, "-C", "attach-session", "-t", session,
             "-f", "no-output"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        # The attach command produces a block of its own.  Skip blocks until
        # the output of a marker command arrives, so that from then on each
        # command's block is the next one.
        marker = "skewtop-bench-ready"
        self.send(f"display-message -p {marker}")
        while marker not in self.read_block():
            pass

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def command(self, line):
        """Send one tmux command; return the lines of its output block."""
        self.send(line)
        return self.read_block()

    def read_block(self):
        """Return the lines of the next output block, skipping notifications."""
        output = []
        inside = False
        while True:
            text = self.process.stdout.readline()
            if text == "":
                raise RuntimeError("the tmux control client exited")
            text = text.rstrip("\n")
            if not inside:
                inside = text.startswith("%begin ")
                continue
            if text.startswith("%end ") or text.startswith("%error "):
                if text.startswith("%error "):
                    raise RuntimeError(f"tmux rejected a command: {output}")
                return output
            output.append(text)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=5)


def screen_value(client, session, pattern):
    """Return the first match of pattern on the screen, or None."""
    for line in client.command(f"capture-pane -p -t {session}"):
        match = pattern.search(line)
        if match:
            return match
    return None


def settled_threshold(client, session):
    """Return the threshold match on the screen, waiting out a partial redraw.

    A capture can fall between the writes of one redraw, so a missing
    threshold line is retried for up to PRESS_TIMEOUT seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < PRESS_TIMEOUT:
        match = screen_value(client, session, THRESHOLD)
        if match is not None:
            return match
        time.sleep(POLL_INTERVAL)
    screen = "\n".join(client.command(f"capture-pane -p -t {session}"))
    raise RuntimeError(f"no 'threshold 0.xxx' text on the screen:\n{screen}")


def cpu_seconds(pid):
    """Return user + system CPU seconds of a process and its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])   # utime, stime
    return ticks / float(os.sysconf("SC_CLK_TCK"))


def measure(client, session, presses, rng):
    """Return the latencies in seconds of `presses` presses (None when lost)."""
    latencies = []
    direction = "Right"
    for _ in range(presses):
        before = settled_threshold(client, session)
        value = float(before.group(1))
        if value >= BOUNCE_HIGH:
            direction = "Left"
        elif value <= BOUNCE_LOW:
            direction = "Right"

        start = time.perf_counter()
        client.command(f"send-keys -t {session} {direction}")
        latency = None
        while time.perf_counter() - start < PRESS_TIMEOUT:
            after = screen_value(client, session, THRESHOLD)
            if after is not None and after.group(1) != before.group(1):
                latency = time.perf_counter() - start
                break
            time.sleep(POLL_INTERVAL)
        latencies.append(latency)
        time.sleep(GAP_MIN + GAP_JITTER * rng.random())
    return latencies


def summary(name, latencies):
    milliseconds = sorted(x * 1000 for x in latencies if x is not None)
    lost = len(latencies) - len(milliseconds)
    if not milliseconds:
        print(f"{name}: every press was lost")
        return
    p90 = milliseconds[min(len(milliseconds) - 1, int(0.9 * len(milliseconds)))]
    median = statistics.median(milliseconds)
    slowest = ", ".join(f"{x:.1f}" for x in milliseconds[-3:])
    print(f"{name}: {len(milliseconds)} presses, median {median:.1f} ms, "
          f"p90 {p90:.1f} ms, slowest {slowest} ms, lost {lost}")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: key_latency.py SOCKET SESSION PRESSES TARGET_MS")
    socket, session, presses = sys.argv[1], sys.argv[2], int(sys.argv[3])
    target = float(sys.argv[4]) / 1000
    rng = random.Random(SEED)
    client = ControlClient(socket, session)
    pid = int(client.command(f"display-message -p -t {session} '#{{pane_pid}}'")[0])

    epoch_start = screen_value(client, session, EPOCH)
    cpu_start, wall_start = cpu_seconds(pid), time.perf_counter()
    training = measure(client, session, presses, rng)
    cpu_used = cpu_seconds(pid) - cpu_start
    wall = time.perf_counter() - wall_start
    epoch_end = screen_value(client, session, EPOCH)

    client.command(f"send-keys -t {session} Space")
    time.sleep(1.0)   # let the epoch in progress reach the pause point
    idle = measure(client, session, max(1, presses // 2), rng)
    client.close()

    epochs = "?"
    if epoch_start is not None and epoch_end is not None:
        epochs = f"{epoch_start.group(1)} to {epoch_end.group(1)}"
    print(f"during training (epochs {epochs}, skewtop used {cpu_used / wall:.2f} "
          f"CPU seconds per second):")
    summary("  key to redraw, training", training)
    summary("  key to redraw, paused  ", idle)
    late = [x for x in training if x is None or x > target]
    if late:
        print(f"MISSED: {len(late)} of {len(training)} presses during training were "
              f"lost or slower than {target * 1000:.0f} ms")
    return 1 if late else 0


if __name__ == "__main__":
    sys.exit(main())
