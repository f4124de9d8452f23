"""The office's own reports to its parent (上报: 首报, 续报, 终报): drafted from what the units
reported (fields.py, drafts.py), approved, returned or not forwarded by a leader
(decisions.py), filed at the parent through the outbox (delivery.py) and met at the parent's
receipt (receipts.py)."""
