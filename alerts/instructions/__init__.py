"""Leader instructions (批示): recording one, the moves of each responsible unit (relay,
acknowledge, feed back, verify, return, close), waiving a clock (免报), and keeping its clocks
equal to what rules/instructions.py says. Refuses (alerts.errors) before anything is written;
never commits."""
