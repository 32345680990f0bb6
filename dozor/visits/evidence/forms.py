"""The upload form of a visit's evidence. It only parses; the service judges the file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dozor.visits.models import Evidence


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Evidence.Kind.choices, initial=Evidence.Kind.PHOTO, widget=forms.RadioSelect
    )
    # The service reports its problems on "uploaded_file" (its argument's name).
    uploaded_file = forms.FileField(
        label=_("File"),
        help_text=_("Photos: JPEG, PNG or WebP. Documents: PDF or an image."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    keep_metadata = forms.BooleanField(
        label=_("Keep the photo's metadata (EXIF, including the GPS position)"),
        required=False,
        help_text=_(
            "By default the location, camera and other metadata are removed from images. Keep them "
            "only when they are needed as proof, for instance of where and when a photo was taken."
        ),
    )
