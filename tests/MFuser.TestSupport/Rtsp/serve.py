#!/usr/bin/python3
"""Serves a live test pattern (H.264, 320x192, 15 fps) at rtsp://127.0.0.1:PORT/x with GStreamer's RTSP server,
for the RTSP integration tests (RtspServer.cs). Usage: serve.py PORT [tcp|udp|any]. Runs until killed."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)
port, transport = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "any")
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=192,framerate=15/1 "
                   "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! rtph264pay name=pay0 pt=96 )")
factory.set_shared(True)
lower = {"tcp": GstRtsp.RTSPLowerTrans.TCP, "udp": GstRtsp.RTSPLowerTrans.UDP}
factory.set_protocols(lower.get(transport, GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP))
server = GstRtspServer.RTSPServer(address="127.0.0.1", service=port)
server.get_mount_points().add_factory("/x", factory)
if server.attach(None) == 0:
    sys.exit(f"cannot listen on 127.0.0.1:{port}")
print(f"serving rtsp://127.0.0.1:{port}/x over {transport}", flush=True)
GLib.MainLoop().run()
