"""Monitoring systems as sources: alerts posted by Prometheus Alertmanager (its webhook format)
or by any system that posts JSON become registrations (登记) by the office for the unit its
`[[sources]]` table names, through the one intake (alerts/filing/intake.py).

    settings   the `[[sources]]` tables of config.toml: where each report field comes from
    alerts     a request body read as alerts: fingerprint, status, start, end and their fields
    mapping    one alert as the registration it makes (title, grade, description …)
    intake     alerts in, registrations out: one incident per fingerprint, repeats changing
               nothing are no-ops, changes and resolutions follow-up registrations"""
