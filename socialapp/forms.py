"""The base of every form: each field reads only the kind of value it is made for."""

import inspect

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField

# What FlaskForm receives when the caller passes no formdata and leaves the choice to it.
_FROM_REQUEST = inspect.signature(FlaskForm.__init__).parameters["formdata"].default


class Form(FlaskForm):
    """A FlaskForm whose text fields read only the request's text fields, and file fields only its files.

    Flask-WTF hands every field the files and the text together (and a JSON body as if it were a form),
    so a file sent under a text field's name reached validators and services as a file object, and
    failed there as a 500. Here a text field never sees a file, and a JSON body is not a form.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            if formdata is not _FROM_REQUEST:
                return formdata
            if not form.is_submitted() or not (request.form or request.files):
                return None
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            files = [(name, upload) for name, upload in request.files.items(multi=True) if name in file_fields]
            return CombinedMultiDict((MultiDict(files), request.form))
