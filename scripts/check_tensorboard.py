#!/usr/bin/env python3
"""Checks rlvr's TensorBoard event files with TensorBoard's own code (pip install tensorboard).

  python3 scripts/check_tensorboard.py --write-golden Tests/CheckpointsTests/Fixtures/tensorboard/events.out.tfevents.1765000000.rlvr
      writes the golden stream of TensorBoardTests.goldenStream() with TensorBoard's protobuf classes
      and record writer (an implementation independent of rlvr's hand encoding);
  python3 scripts/check_tensorboard.py RUN_DIR
      reads RUN_DIR/tensorboard with TensorBoard's EventAccumulator and checks that every number of
      RUN_DIR/metrics.jsonl is there, at its step, with the same float32 value (and nothing else).
"""
import argparse
import json
import struct
import sys


def write_golden(path):
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    t = 1765000000.0

    def scalars(values, step, wall_time):
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=v) for tag, v in values])
        return event_pb2.Event(wall_time=wall_time, step=step, summary=summary)

    events = [
        event_pb2.Event(wall_time=t, file_version="brain.Event:2"),
        scalars([("loss", 0.75), ("lr", 3e-6), ("verified/ifeval", 0.25)], 1, t + 1),
        scalars([("loss", 0.5), ("lr", 3e-6), ("verified/ifeval", 0.5)], 2, t + 2),
        event_pb2.Event(wall_time=t + 3, step=2, session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START)),
        scalars([("loss", 0.625), ("lr", 3e-6), ("verified/ifeval", 0.375)], 2, t + 4),
    ]
    with open(path, "wb") as f:
        writer = RecordWriter(f)
        for event in events:
            writer.write(event.SerializeToString())
    print(f"wrote {path} ({len(events)} events)")


def flatten(obj, prefix=""):
    for key, value in sorted(obj.items()):
        tag = prefix + key
        if isinstance(value, dict):
            yield from flatten(value, tag + "/")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and key != "step":
            yield tag, value


def check_run(run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    expected = {}
    with open(f"{run}/metrics.jsonl") as f:
        for line in f:
            row = json.loads(line)
            for tag, value in flatten(row):
                expected[(tag, row["step"])] = struct.unpack("f", struct.pack("f", value))[0]
    accumulator = EventAccumulator(f"{run}/tensorboard", size_guidance={"scalars": 0})
    accumulator.Reload()
    found = {}
    for tag in accumulator.Tags()["scalars"]:
        for event in accumulator.Scalars(tag):
            found[(tag, event.step)] = event.value
    missing = [k for k in expected if k not in found]
    wrong = [k for k in expected if k in found and found[k] != expected[k]]
    extra = [k for k in found if k not in expected]
    tags = sorted({tag for tag, _ in expected})
    print(f"{run}: {len(expected)} values of metrics.jsonl ({len(tags)} tags), {len(found)} scalars in TensorBoard's reader: "
          f"{len(missing)} missing, {len(wrong)} different, {len(extra)} extra")
    for k in (missing + wrong + extra)[:10]:
        print("  ", k, expected.get(k), found.get(k))
    return 0 if not (missing or wrong or extra) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", nargs="?", help="a run folder written with output.tensorboard: true")
    parser.add_argument("--write-golden", metavar="PATH")
    args = parser.parse_args()
    if args.write_golden:
        write_golden(args.write_golden)
        return 0
    if not args.run:
        parser.error("give a run folder or --write-golden PATH")
    return check_run(args.run)


if __name__ == "__main__":
    sys.exit(main())
