"""The staff workspace: the back office in the browser, on the portal's shape.

Clerks and administrators sign in as citizens do (the identity provider names their role
and departments) and land on `/staff`. Each area is a page class of its own, mixed into
GatewayService like the citizens' pages: the desk (appointments/desk.py's day list and
call display), the cases, the reports and ideas, and the administration. Every page is
`roles=OFFICE` or `roles=ADMIN`; which cases, reports and queues a clerk sees is the
services' rule (their departments), never the page's.
"""
