import os
import socketserver


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline())


if __name__ == "__main__":
    with socketserver.TCPServer(("0.0.0.0", int(os.getenv("CHAT_PORT", "5005"))), Echo) as srv:
        srv.serve_forever()
