"""New people for the emails being saved (autoresolving, through the engine's people maker): the
participants no Lead or Contact has, the sender's signature with them, and the emails linked again
to the records made for them, before anything is written."""

from __future__ import annotations

from dataclasses import replace

from emails.context import STREAM, StreamContext
from syncengine.core.email_plan import EmailInputs, ThreadPlan, relinked
from syncengine.core.linking import ContactRow, Found, LeadRow, account_domains, domain_of
from syncengine.extensions import AUTORESOLVE_FAILED, Unresolved, people_make
from syncengine.services.issues import issue_record


def unresolved_of(
    ctx: StreamContext, final: ThreadPlan, known_domains: frozenset[str] = frozenset()
) -> list[Unresolved]:
    """``known_domains``: the companies' domains an Account has by website (Smart makes only their
    people for the emails auto-save chose)."""
    found: dict[str, Unresolved] = {}
    for candidate in final.to_save:
        email = candidate.email
        names = {a.address: a.name for a in (email.from_, *email.to, *email.cc) if a is not None}
        sender = email.from_.address if email.from_ else ""
        for person in candidate.links.people:
            if person.record_id or person.address in ctx.addresses:
                continue
            signed = person.address == sender
            # Forced auto-saves strangers' emails for their people to be made; Smart, for the people of
            # companies Salesforce has.
            makes = ctx.auto_track == "forced" or (
                ctx.auto_track == "smart" and domain_of(person.address) in known_domains
            )
            auto = candidate.reason == "auto" and not makes
            mention = Unresolved(
                person.address,
                names.get(person.address, ""),
                text=email.text_body if signed else "",
                html=email.html_body if signed else "",
                source=f"email '{email.subject[:200]}'",
                auto_saved=auto,
            )
            known = found.get(person.address)
            if known is not None and not (signed and not known.text and not known.html):
                mention = known  # the email they sent speaks for them, once there is one
            # Met in a tagged email and an auto-saved one: the tagged one counts.
            auto = mention.auto_saved and (known is None or known.auto_saved)
            found[person.address] = replace(mention, auto_saved=auto)
    return list(found.values())


def with_new_people(ctx: StreamContext, inputs: EmailInputs, final: ThreadPlan, found: Found) -> ThreadPlan:
    known = account_domains(found, inputs.filters)
    made = people_make(ctx.mailbox, ctx.crm, unresolved_of(ctx, final, known))
    if made.problem:
        issue_record(
            mailbox=ctx.mailbox,
            session=ctx.session,
            stream=STREAM,
            code=AUTORESOLVE_FAILED,
            message=made.problem,
        )
    if not made.people:
        return final
    richer = replace(
        found,
        contacts=found.contacts
        + tuple(ContactRow(m.id, m.address, m.account_id) for m in made.people if m.sobject == "Contact"),
        leads=found.leads + tuple(LeadRow(m.id, m.address) for m in made.people if m.sobject == "Lead"),
    )
    return relinked(inputs, final, richer, frozenset(m.address for m in made.people))
