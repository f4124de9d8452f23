"""The information section's notices (一事一通报): for each late report, and each confirmed
missed or concealed one, a notice drafted from the record (its facts frozen), its 整改要求
edited, approved by the section head, numbered 〔year〕第 N 号, emailed to the unit and put on
the incident's timeline (decision 0017)."""
