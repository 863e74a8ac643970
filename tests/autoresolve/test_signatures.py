"""The signature reader, one behaviour at a time: whose signature it reads, what it leaves out, and
that a field it is not sure of is never written."""

from __future__ import annotations

from autoresolve.signatures import Phone, SignedEmail, read_signature


def test_it_reads_the_senders_signature_and_not_the_one_in_the_quoted_reply():
    email = SignedEmail(
        text=(
            "Hi Tom,\n\nworks for me.\n\nBest regards,\nPriya Raman\nHead of Operations\n"
            "Northwind Logistics Inc.\nT (415) 555-0134 | M (415) 555-0199\n\n"
            "On Tue, Mar 3, 2026 at 10:00 AM Tom Jones <tom@contoso.example> wrote:\n"
            "> Priya, can we meet?\n> Tom Jones | Chief Executive Officer | Contoso Ltd\n> +1 212 555 0100\n"
        ),
        from_name="Priya Raman",
        from_address="priya.raman@northwind-logistics.com",
    )

    signature = read_signature(email)

    assert signature.confident() == {
        "first_name": "Priya",
        "last_name": "Raman",
        "title": "Head of Operations",
        "company": "Northwind Logistics Inc.",
    }
    assert signature.confident_phones() == [
        Phone("+14155550134", "work", 0.95),
        Phone("+14155550199", "mobile", 0.95),
    ]


def test_it_reads_a_table_laid_out_html_signature_with_a_german_address():
    email = SignedEmail(
        html=(
            "<p>Hallo Herr Meier,</p><p>anbei das Angebot.</p><p>Mit freundlichen Grüßen</p>"
            "<table><tr><td><b>Jan Becker</b></td><td>Vertriebsleiter</td></tr>"
            "<tr><td>Beispiel Maschinenbau GmbH</td><td>Friedrichstraße 123, 10117 Berlin</td></tr>"
            "<tr><td>Tel.: 030 1234567</td><td>Mobil: 0151 23456789</td></tr></table>"
        ),
        from_name="Becker, Jan",
        from_address="j.becker@beispiel-maschinenbau.example",
    )

    signature = read_signature(email)

    assert signature.confident() == {
        "first_name": "Jan",
        "last_name": "Becker",
        "title": "Vertriebsleiter",
        "company": "Beispiel Maschinenbau GmbH",
        "street": "Friedrichstraße 123",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    }
    assert [(p.number, p.kind) for p in signature.confident_phones()] == [
        ("+49301234567", "work"),
        ("+4915123456789", "mobile"),
    ]


def test_it_takes_no_phone_from_the_body_of_the_mail():
    email = SignedEmail(
        text=(
            "Hello,\n\nyour order 4711-2231 ships today; the carrier's hotline is 1-800-555-0111.\n\n"
            "Thanks,\nDana Whitfield\nAccount Executive\n"
        ),
        from_name="Dana Whitfield",
        from_address="dana@brightline-media.example",
    )

    assert read_signature(email).phones == ()


def test_it_writes_only_the_display_name_for_a_mail_sent_from_a_phone_without_signature():
    email = SignedEmail(
        text="Running late, start without me.\n\nSent from my iPhone",
        from_name="Carlos Mendez",
        from_address="carlos@acme-corp.example",
    )

    assert read_signature(email).confident() == {"first_name": "Carlos", "last_name": "Mendez"}


def test_it_leaves_a_role_mailbox_without_a_persons_name():
    email = SignedEmail(
        text="Hello,\n\nyour quote is attached.\n\nBest regards,\nThe Sales Team\nAcme Widgets Inc.\n",
        from_name="Sales Team",
        from_address="sales@acme-widgets.example",
    )

    written = read_signature(email).confident()

    assert "first_name" not in written and "last_name" not in written and "title" not in written
    assert written["company"] == "Acme Widgets Inc."


def _japanese_mail(name: str) -> SignedEmail:
    return SignedEmail(
        text=(
            "お世話になっております。\n\nよろしくお願いいたします。\n\n"
            f"星空ラボ合同会社\n代表取締役　{name}\n"
        ),
        from_name=name,
        from_address="info@hoshizora-labs.example",
    )


def test_it_does_not_write_a_japanese_name_it_can_only_guess_how_to_split():
    signature = read_signature(_japanese_mail("東海林花子"))  # an uncommon family name, no space

    assert signature.last_name.value and signature.last_name.confidence < 0.8
    assert "last_name" not in signature.confident() and "first_name" not in signature.confident()
    assert signature.confident()["company"] == "星空ラボ合同会社"
    assert signature.confident()["title"] == "代表取締役"


def test_it_splits_a_japanese_name_written_without_a_space_after_a_common_family_name():
    written = read_signature(_japanese_mail("岡田健太郎")).confident()

    assert (written["last_name"], written["first_name"]) == ("岡田", "健太郎")


def test_it_puts_both_spanish_family_names_in_the_last_name():
    email = SignedEmail(
        text="Hola Ana,\n\nte envío la propuesta con los precios para el próximo año.\n\nUn saludo,\n"
        "Lucía Martín Herrero\nDirectora Comercial\nGrupo Alba S.L.\n",
        from_name="Lucía Martín Herrero",
        from_address="lucia.martin@grupo-alba.example",
    )

    written = read_signature(email).confident()

    assert (written["first_name"], written["last_name"]) == ("Lucía", "Martín Herrero")
    assert written["company"] == "Grupo Alba S.L."
