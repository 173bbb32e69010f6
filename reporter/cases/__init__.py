"""Cases (案件): the closed loop from 立案 to 结案, with deadlines, supervision and an audit trail."""
