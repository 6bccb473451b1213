// attachments in parts: see services/portal/uploads.py
