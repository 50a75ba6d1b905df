from django.urls import path

from reviewboard.api import actions, views

app_name = "review-api"
urlpatterns = [
    path("articles/", views.ReviewArticleListView.as_view(), name="article-list"),
    path("articles/<slug:slug>/", views.ReviewArticleDetailView.as_view(), name="article-detail"),
    path("articles/<slug:slug>/assignments/", views.AssignmentCreateView.as_view(), name="assignment-create"),
    path(
        "articles/<slug:slug>/assignments/<int:assignment_id>/accept/",
        views.AssignmentAcceptView.as_view(),
        name="assignment-accept",
    ),
    path(
        "articles/<slug:slug>/assignments/<int:assignment_id>/decline/",
        views.AssignmentDeclineView.as_view(),
        name="assignment-decline",
    ),
    path("declarations/", views.DeclarationCreateView.as_view(), name="declaration-create"),
    path("articles/<slug:slug>/transitions/<slug:name>/", views.TransitionView.as_view(), name="transition"),
    path("articles/<slug:slug>/signoffs/", views.SignOffView.as_view(), name="signoff-create"),
    path("articles/<slug:slug>/reports/", views.ReportView.as_view(), name="report-submit"),
    path("articles/<slug:slug>/comments/", views.CommentCreateView.as_view(), name="comment-create"),
    path(
        "articles/<slug:slug>/comments/<int:comment_id>/resolve/",
        views.CommentResolveView.as_view(),
        name="comment-resolve",
    ),
    # every declared action on an article: one operation each, derived from its declaration
    *actions.urlpatterns(),
]
