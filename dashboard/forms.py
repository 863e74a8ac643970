from django import forms


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason (optional)",
        widget=forms.TextInput(
            attrs={"placeholder": "Reason (optional)", "aria-label": "Reason for suspending"}
        ),
    )


class AutoSaveForm(forms.Form):
    """The owner's own auto-save choices for calendar items (syncengine/core/scope.py reads them)."""

    autosave_meetings = forms.BooleanField(
        required=False, label="Save meetings I organise or accept to Salesforce by themselves"
    )
    autosave_appointments = forms.BooleanField(
        required=False,
        label="Save appointments (calendar items without attendees) to Salesforce by themselves",
    )
