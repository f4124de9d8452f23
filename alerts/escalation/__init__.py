"""Escalation: from an owed obligation to a message on someone's phone.

The engine tick (engine), ladder decisions (ladder), the outbox (outbox: claims and outcomes;
sending; throttle: per-address limits across instances; statuses: providers' callbacks),
acknowledgements and their signed links (acks, links), the channels (channels), the alarm that
wakes the engine (scheduler), daily digests and roster notices (digests, notices), and the
people-facing messages (messages/)."""
