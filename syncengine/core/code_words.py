"""Every code a person can meet, in plain words: what happened and what to do about it.

One table for the issue codes (``SyncIssue.code``), the codes a session fails with
(``SyncSession.error_code``), a mailbox's cause (``Mailbox.cause_code``), the providers' own codes
that reach an issue, and the reasons an item or an email is left out. The pages show the words; the
code itself stays small beside them, for support. ``tests/dashboard/test_code_words.py`` collects the
codes the engine can emit from its source and fails on one without words here.

Pure data (no Django): the dashboard, the console and the notifications read it alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncengine.core import scope


@dataclass(frozen=True)
class Words:
    text: str  # what happened
    todo: str  # what to do about it ("" when nothing is needed)
    retry: bool = False  # whether trying again now can help ("Retry now")


_RECONNECT_MAILBOX = "Reconnect your mailbox (Connect a mailbox, above): nothing is synced twice."
_RECONNECT_SALESFORCE = "Reconnect Salesforce (above): the mailbox then resumes by itself."
_WAIT = "Nothing to do: the engine tries again at the next session, and nothing is lost."
_SUPPORT = "If it keeps happening, tell your support team: they can see the details."
_FIX_IN_SALESFORCE = (
    "Ask your Salesforce admin to look at the field or rule named in the details, or change the item "
    "so Salesforce accepts it; then press Retry now."
)

CODE_WORDS: dict[str, Words] = {
    # -- the mailbox's sign-in ------------------------------------------------------------------
    "MAIL_AUTH_REVOKED": Words(
        "Your mailbox no longer accepts this app's sign-in (access removed, password changed or expired).",
        _RECONNECT_MAILBOX,
    ),
    "MAIL_CREDENTIALS_UNREADABLE": Words(
        "This server can no longer read the stored sign-in to your mailbox (its key changed).",
        _RECONNECT_MAILBOX,
    ),
    "MAIL_ACCESS_DENIED": Words(
        "The mail server refused access to this mailbox with the sign-in given.",
        "Check the user name and password, or ask your IT team whether the account may use Exchange "
        "Web Services; then reconnect the mailbox.",
    ),
    "ErrorAccessDenied": Words(
        "Exchange refused access to this part of the mailbox.",
        "Ask your IT team to give the account access, then press Retry now.",
        retry=True,
    ),
    "MAIL_PERMISSION_MISSING": Words(
        "The mailbox was connected without every permission the sync needs.",
        "Reconnect the mailbox and allow every permission asked for.",
    ),
    "MAIL_CONFIG": Words(
        "The mail server's address or settings do not work.",
        "Check the Exchange server address with your IT team, then reconnect the mailbox.",
    ),
    "TLS_UNTRUSTED": Words(
        "The mail server's security certificate is not trusted by this server.",
        "Your IT team needs to give the mail server a trusted certificate (or tell this server to trust "
        "it); syncing resumes then.",
    ),
    "LOGIN_FAILED": Words(
        "Signing in to the mailbox failed for a moment.",
        _WAIT,
        retry=True,
    ),
    "HTTP_401": Words(
        "The provider did not accept the sign-in for a moment.",
        "Nothing to do if it passes; if it stays, reconnect the mailbox.",
        retry=True,
    ),
    "access_denied": Words(
        "You (or your administrator) declined the permissions on the sign-in page.",
        "Connect again and accept the permissions, or ask your administrator to allow the app.",
    ),
    "consent_required": Words(
        "Your organization requires an administrator to approve this app first.",
        "Ask your org admin to grant admin consent, then connect again.",
    ),
    "unknown_error": Words(
        "The sign-in page reported a problem it did not name.",
        "Try connecting again in a moment. " + _SUPPORT,
    ),
    # -- Salesforce's sign-in -------------------------------------------------------------------
    "CRM_AUTH_REVOKED": Words(
        "Salesforce no longer accepts your sign-in (access removed or expired).", _RECONNECT_SALESFORCE
    ),
    "CRM_CREDENTIALS_UNREADABLE": Words(
        "This server can no longer read the stored sign-in to Salesforce (its key changed).",
        _RECONNECT_SALESFORCE,
    ),
    "CRM_INSTANCE_REFUSED": Words(
        "Salesforce sent us to an address that is not one of Salesforce's own, so we did not follow it.",
        _RECONNECT_SALESFORCE,
    ),
    "SALESFORCE_NOT_CONNECTED": Words(
        "Salesforce is not connected for this organization yet.",
        "Connect Salesforce (above) to start syncing.",
    ),
    "INVALID_SESSION_ID": Words(
        "Salesforce's sign-in expired; a new one is fetched by itself.", _WAIT, retry=True
    ),
    "LOGIN_UNAVAILABLE": Words("Salesforce's sign-in could not be reached for a moment.", _WAIT, retry=True),
    "NOT_A_MEMBER": Words(
        "The mailbox's owner is no longer a member of the organization, so it does not sync.",
        "An org admin adds the person again, or removes the mailbox.",
    ),
    # -- outages and limits ---------------------------------------------------------------------
    # -- instant sync's listeners (what their rows on the console say) --------------------------------
    "STREAM_LOST": Words(
        "The open connection that brings Exchange's changes at once broke.",
        "Nothing to do: it reconnects by itself, and the mailbox syncs once to catch up.",
        retry=True,
    ),
    "SUBSCRIPTION_GONE": Words(
        "Exchange forgot the mailbox's change subscriptions (unread for 30 minutes, or the server "
        "restarted).",
        "Nothing to do: new ones are made at once and the mailbox syncs once to catch up.",
    ),
    "GMAIL_TOPIC_REFUSED": Words(
        "Gmail may not tell this server about new mail: its Pub/Sub topic is missing or does not let Gmail "
        "publish to it.",
        "The server's operator grants gmail-api-push@system.gserviceaccount.com the Pub/Sub Publisher "
        "role on the topic. Meanwhile Gmail syncs on the schedule.",
    ),
    "PUBSUB_AUTH_FAILED": Words(
        "Google refused this server's own sign-in to Cloud Pub/Sub (its service account).",
        "The server's operator checks the service account and its key. Meanwhile Gmail syncs on the "
        "schedule.",
    ),
    "PUBSUB_KEY_INVALID": Words(
        "The server's Google service account key cannot be read.",
        "The server's operator puts a valid JSON key file in place. Meanwhile Gmail syncs on the schedule.",
    ),
    "PUBSUB_SCOPE_MISSING": Words(
        "The server's Google service account may not use Cloud Pub/Sub.",
        "The server's operator gives it the Pub/Sub scope. Meanwhile Gmail syncs on the schedule.",
    ),
    "NOT_GOOGLE": Words("This mailbox is not a Google mailbox, so Gmail cannot watch it.", ""),
    "forbidden": Words(
        "Google refused the request: the account may not do this.",
        "Check the account's permissions with your Google admin, then press Retry now.",
    ),
    "invalidArgument": Words(
        "Google found the request malformed.",
        "Nothing to do for you: support can see the details; the engine tries again at the next session.",
    ),
    "NETWORK": Words(
        "The provider could not be reached (usually an outage on their side).", _WAIT, retry=True
    ),
    "REQUEST_LIMIT_EXCEEDED": Words(
        "Your Salesforce org has used up its API requests for now.",
        "Syncing resumes when the limit resets; a Salesforce admin can raise it.",
    ),
    "SERVER_UNAVAILABLE": Words("Salesforce was busy or down for a moment.", _WAIT, retry=True),
    "UNABLE_TO_LOCK_ROW": Words(
        "Salesforce was busy with the same record (someone else was saving it).", _WAIT, retry=True
    ),
    "BATCH": Words("The provider left part of a batch of changes unanswered.", _WAIT, retry=True),
    "BAD_ANSWER": Words(
        "Salesforce gave an answer that did not add up, so nothing was assumed.", _WAIT, retry=True
    ),
    "UNKNOWN": Words(
        "Something went wrong that the provider did not name.", _WAIT + " " + _SUPPORT, retry=True
    ),
    "INTERNAL_ERROR": Words(
        "An internal error stopped the session.", "The engine keeps trying. " + _SUPPORT, retry=True
    ),
    "ALL_STREAMS_FAILED": Words(
        "No part of the sync (calendar, tasks, contacts) could be synced this time.",
        "See the issues below for why; the engine tries again at the next session.",
        retry=True,
    ),
    "STREAM_FAILED": Words(
        "One part of the sync (calendar, tasks, contacts or emails) could not be synced this time.",
        "The next session tries again by itself; Retry now tries at once.",
        retry=True,
    ),
    # -- the mailbox's folders and lists --------------------------------------------------------
    "FOLDER": Words("The mailbox did not show or make a folder the sync uses.", _WAIT, retry=True),
    "ErrorFolderNotFound": Words(
        "A folder the sync uses is missing from the mailbox (deleted or renamed).",
        "Nothing to do: the sync makes it again at the next session.",
        retry=True,
    ),
    "UNSUPPORTED_FOLDER": Words("The sync was asked to read a folder it does not handle.", _SUPPORT),
    "LABEL": Words("Gmail did not make the label the sync uses.", _WAIT, retry=True),
    "CATEGORIES": Words("Exchange did not show its category list.", _WAIT, retry=True),
    "UNSUPPORTED_STREAM": Words(
        "This kind of mailbox cannot sync one of the parts your organization turned on.",
        "Nothing to do: that part syncs for your other mailboxes only.",
    ),
    # -- reading changes ------------------------------------------------------------------------
    "CURSOR_INVALID": Words(
        "The provider forgot where the last read stopped, so everything is read again once.",
        "Nothing to do: nothing is created twice.",
    ),
    "SyncStateNotFound": Words(
        "Microsoft 365 forgot where the last read stopped, so everything is read again once.",
        "Nothing to do: nothing is created twice.",
    ),
    "syncStateNotFound": Words(
        "Microsoft 365 forgot where the last read stopped, so everything is read again once.",
        "Nothing to do: nothing is created twice.",
    ),
    "resyncRequired": Words(
        "Microsoft 365 asked for everything to be read again once.",
        "Nothing to do: nothing is created twice.",
    ),
    "FOREIGN_LINK": Words(
        "The provider pointed us to another website, so we did not follow it and read everything again.",
        "Nothing to do: nothing is created twice.",
    ),
    "ITEM_UNREADABLE": Words("An item to try again could not be read from its side.", _WAIT, retry=True),
    "SIDE_EMPTY_HALTED": Words(
        "One side suddenly showed no items at all while many are synced, so nothing was deleted.",
        "Check that the folder or calendar is really there. If it is, this passes at the next "
        "session; if you emptied it on purpose, tell your org admin.",
        retry=True,
    ),
    # -- writing one item -----------------------------------------------------------------------
    "WRITE_FAILED": Words("The item could not be written.", _WAIT, retry=True),
    "INVALID_VALUE": Words(
        "The mailbox refused one of the item's values.",
        "Check the item (its dates, addresses or text) and change it; it syncs at the next session.",
        retry=True,
    ),
    "INVALID_FIELD": Words(
        "Salesforce does not know one of the fields the mapping writes.",
        "Your org admin checks the mapping on the organization's Mappings page; then press Retry now.",
        retry=True,
    ),
    "ENTITY_IS_DELETED": Words(
        "The Salesforce record was deleted meanwhile.", "Nothing to do: the sync lets the item go."
    ),
    "INVALID_CROSS_REFERENCE_KEY": Words(
        "A record this item points to (a person, an account, an owner) no longer exists in Salesforce.",
        "Nothing to do if it was deleted on purpose; otherwise link the item again in Salesforce.",
    ),
    "MALFORMED_ID": Words("An id read from a side was not a Salesforce id, so it was not used.", _SUPPORT),
    "notFound": Words(
        "The item is no longer in the mailbox (deleted meanwhile).", "Nothing to do: the sync lets it go."
    ),
    "REQUIRED_FIELD_MISSING": Words(
        "Salesforce needs a field this item does not fill.", _FIX_IN_SALESFORCE, retry=True
    ),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": Words(
        "A rule in your Salesforce org refused the item.", _FIX_IN_SALESFORCE, retry=True
    ),
    "STRING_TOO_LONG": Words(
        "A value is longer than the Salesforce field allows.", _FIX_IN_SALESFORCE, retry=True
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": Words(
        "A value is not one of the choices the Salesforce field allows.", _FIX_IN_SALESFORCE, retry=True
    ),
    "INVALID_EMAIL_ADDRESS": Words(
        "An email address on the item is not one Salesforce accepts.",
        "Correct the address on the item; it syncs at the next session.",
        retry=True,
    ),
    "DUPLICATE_VALUE": Words(
        "Salesforce already has a record with the same unique value.", _FIX_IN_SALESFORCE, retry=True
    ),
    "INSUFFICIENT_ACCESS_OR_READONLY": Words(
        "Your Salesforce user may not change this record.",
        "Ask your Salesforce admin for access to the record, then press Retry now.",
        retry=True,
    ),
    "FIELD_TRUNCATED": Words(
        "A value was longer than its Salesforce field, so it was cut to fit.",
        "Nothing to do unless the end of the text matters: then shorten it in the item.",
    ),
    "CONFLICT_RESOLVED": Words(
        "The item was changed on both sides; your organization's rule chose which value to keep.",
        "Check the kept value; if the other one was right, edit the item again.",
    ),
    "MASS_DELETE_HALTED": Words(
        "More items would have been deleted at once than your organization allows, so none were.",
        "Decide above: confirm the deletions or restore the items.",
    ),
    "AWAITS_ORGANIZER": Words(
        "This meeting waits for its organizer's mailbox to save it first, so it is not saved twice.",
        "Nothing to do: it is saved once the organizer's mailbox has synced.",
    ),
    # -- after the write ------------------------------------------------------------------------
    "RELATION_FAILED": Words(
        "The item was synced, but a person or record could not be related to it.", _WAIT, retry=True
    ),
    "ATTENDEES_NOT_ADDED": Words(
        "The meeting was synced, but its attendees could not be added in Salesforce.", _WAIT, retry=True
    ),
    "LINK_FAILED": Words(
        "The item was synced, but it could not be linked to its account or opportunity.", _WAIT, retry=True
    ),
    "CATEGORY_NOT_SET": Words(
        "The item was synced, but its 'Salesforce' category could not be set in the mailbox.",
        _WAIT,
        retry=True,
    ),
    "CATEGORY_NOT_REMOVED": Words(
        "The item left Salesforce, but its 'Salesforce' category could not be taken off in the mailbox.",
        _WAIT,
        retry=True,
    ),
    "FOLLOW_UP_FAILED": Words(
        "The items were synced, but a step after it (category, links, attendees) failed.", _WAIT, retry=True
    ),
    # -- emails ---------------------------------------------------------------------------------
    "EMAIL_NOT_SAVED": Words(
        "The email could not be saved to Salesforce.",
        "See the details; once the cause is fixed, put the email in the Salesforce folder again or press "
        "Retry now.",
        retry=True,
    ),
    "EMAIL_PARTLY_SAVED": Words(
        "The email was saved to Salesforce, but not all of it (a file or a relation is missing).",
        "See the details; put the email in the Salesforce folder again to complete it.",
    ),
    "EMAIL_KEY_FIELD_MISSING": Words(
        "Your Salesforce org lacks the field the sync uses to save each email only once.",
        "Your Salesforce admin adds the field (the setup guide names it); then press Retry now.",
        retry=True,
    ),
    "AUTORESOLVE_FAILED": Words(
        "Emails were saved, but new people in them could not be made Leads or Contacts in Salesforce.",
        "Your Salesforce admin adds the field the message names to Lead, Contact and Account (or fixes "
        "what Salesforce answered); the next emails with new people then get them.",
        retry=True,
    ),
    "BAD_BACKFILL": Words("The email settings asked for an impossible number of days back.", _SUPPORT),
    "BAD_CONVERSATION": Words("An email thread could not be read (it had no thread id).", _SUPPORT),
    "BAD_LIMIT": Words("The email settings asked for an impossible file size limit.", _SUPPORT),
    # -- the mailbox's state --------------------------------------------------------------------
    "USER_SUSPENDED": Words("You suspended this mailbox.", "Nothing syncs until you resume it."),
    # -- calendar items left out (syncengine/core/scope.py) -------------------------------------
    scope.FOREIGN_CATEGORY: Words(
        scope.LEFT_OUT_WHY[scope.FOREIGN_CATEGORY], "Nothing to do: it is Salesforce's own record."
    ),
    scope.PRIVATE: Words(
        scope.LEFT_OUT_WHY[scope.PRIVATE], "To save it anyway, give it the 'Salesforce' category."
    ),
    scope.APPOINTMENTS_OFF: Words(
        scope.LEFT_OUT_WHY[scope.APPOINTMENTS_OFF],
        "Turn on 'Save appointments' in your settings below, or give it the 'Salesforce' category.",
    ),
    scope.MEETINGS_OFF: Words(
        scope.LEFT_OUT_WHY[scope.MEETINGS_OFF],
        "Turn on 'Save meetings' in your settings below, or give it the 'Salesforce' category.",
    ),
    scope.NOT_ANSWERED: Words(
        scope.LEFT_OUT_WHY[scope.NOT_ANSWERED], "Accept the invitation, or give it the 'Salesforce' category."
    ),
    scope.INTERNAL_MEETING: Words(
        scope.LEFT_OUT_WHY[scope.INTERNAL_MEETING], "To save it anyway, give it the 'Salesforce' category."
    ),
    scope.NO_PERSON_TO_LINK: Words(
        scope.LEFT_OUT_WHY[scope.NO_PERSON_TO_LINK],
        "Give it the 'Salesforce' category to save it anyway, or add one of its people to Salesforce "
        "before the meeting next changes.",
    ),
    # -- emails left alone (syncengine/core/email_rules.py) -------------------------------------
    "removed": Words("The email was deleted or moved away before it was saved.", ""),
    "draft": Words("It is a draft: drafts are never saved.", "Send it; the sent email can be saved."),
    "other_folder": Words(
        "It is in a folder the sync does not read (only Inbox, Sent Items and the Salesforce folder).",
        "Move it to the Salesforce folder to save it.",
    ),
    "no_message_id": Words("The email has no message id, so it could not be saved exactly once.", ""),
    "internal_or_blocked": Words(
        "Everyone on it is from your own company or on a blocklist, so it is not saved.",
        "Nothing to do: only emails with someone from outside are saved.",
    ),
    "already_saved": Words("It was saved to Salesforce already.", ""),
    "not_selected": Words(
        "Auto-save does not cover it and it was not marked for Salesforce.",
        "Give it the 'Salesforce' category or move it to the Salesforce folder to save it.",
    ),
    "not_linked": Words(
        "Auto-save found no Salesforce contact or lead for anyone on it, so it was not saved.",
        "Add the person to Salesforce, or mark the email for Salesforce to save it anyway.",
    ),
    # -- why an email was saved (syncengine/core/email_rules.py) --------------------------------
    "folder": Words("you put it in the Salesforce folder", ""),
    "category": Words("you gave it the Salesforce category", ""),
    "thread": Words("another email of its conversation was saved", ""),
    "auto": Words("auto-save found its people in Salesforce", ""),
    "retry": Words("tried again after an earlier failure", ""),
    "resave": Words("you put it in the Salesforce folder again", ""),
}

# A code the table does not know (a provider's own, new one): still words, never the code alone.
UNKNOWN_WORDS = Words(
    "The mailbox or Salesforce refused this; their answer is in the details.",
    "The engine tries again at the next session. " + _SUPPORT,
    retry=True,
)


def words_for(code: str) -> Words:
    """The words for ``code``; a provider's code not in the table gets the general ones."""
    return CODE_WORDS.get(code) or UNKNOWN_WORDS
