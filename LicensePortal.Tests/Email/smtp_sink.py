"""An aiosmtpd handler that saves each message it accepts to a folder, for the e-mail tests.

Run as: python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.SaveToFolder FOLDER   (with this file's folder on PYTHONPATH)
Each accepted message becomes FOLDER/<time>-<random>.eml: the envelope recipients in an X-Envelope-To header (blind
copies appear nowhere else), then the message exactly as received. Written to a .tmp name and renamed, so a reader
never sees half a message.
"""
import os
import time
import uuid


class SaveToFolder:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("SaveToFolder takes one argument: the folder")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex}"
        temporary = os.path.join(self.folder, name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode("utf-8") + b"\r\n")
            content = envelope.original_content
            f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        os.rename(temporary, os.path.join(self.folder, name + ".eml"))
        return "250 Message accepted for delivery"
