// the feedback map: see services/portal/feedback.py
