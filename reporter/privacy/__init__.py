"""Residents' personal information through its whole life (个人信息保护法): the privacy notice and consent, a copy of
one's own data, account cancellation (注销) and the retention sweep."""
