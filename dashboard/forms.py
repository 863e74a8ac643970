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
